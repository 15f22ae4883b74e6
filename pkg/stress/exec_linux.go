package stress

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// errTargetStart is wrapped when an exec target cannot be started or
// observed.
var errTargetStart = errors.New("target did not start")

// startExec runs --target-cmd in the subject namespace, the contract being
// (cmd/nlstress/README.md, "--target exec"): run one VRRP instance per VRID 1..N on
// $NLS_INTERFACE with priority above 100 and preemption, advertising every
// $NLS_ADVERT_INT, with the addresses of $NLS_VIPS_FILE, and follow links
// over rtnetlink. nlstress observes it only from outside: its adverts as
// the peer hears them, and its monitor socket through sock_diag.
func (r *runner) startExec(ctx context.Context, sc scenario.Scenario, l *lab.Lab, wire *wireSubject) error {
	dir := filepath.Join(l.Dir(), "target")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	var vips strings.Builder
	for i, s := range r.subjectSpecs {
		ifc := l.Interfaces[l.Instances[i].Interface].Name
		for _, a := range s.Config.Addrs {
			fmt.Fprintf(&vips, "%d %s %s\n", s.Config.VRID, ifc, a)
		}
	}
	vipsFile := filepath.Join(dir, "vips")
	if err := os.WriteFile(vipsFile, []byte(vips.String()), 0o644); err != nil {
		return fmt.Errorf("target: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", sc.TargetCmd)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"NLS_RUN_DIR="+dir,
		"NLS_NETNS="+lab.NamespaceName(l.RunID, lab.RoleSubject),
		"NLS_INTERFACE="+l.Interfaces[0].Name,
		fmt.Sprintf("NLS_VRIDS=%d", sc.VRIDs),
		fmt.Sprintf("NLS_VRRP_VERSION=%d", sc.Version),
		fmt.Sprintf("NLS_ADVERT_INT=%g", sc.AdvertInterval.Seconds()),
		fmt.Sprintf("NLS_PRIORITY=%d", subjectPriority),
		fmt.Sprintf("NLS_RCVBUF=%d", int64(sc.RcvBuf)),
		"NLS_VIPS_FILE="+vipsFile,
	)
	p, err := daemon.Start(l.Subject.NS, cmd, filepath.Join(dir, "target.log"))
	if err != nil {
		return fmt.Errorf("%w: %s: %v", errTargetStart, sc.TargetCmd, err)
	}
	r.stopTarget = p.Stop
	logHead := func() string { return daemon.Head(p.Log(), 5) }
	// Its monitor: an rtnetlink socket with groups that is not nlstress's.
	self := os.Getpid()
	sock, err := findMonitorSocket(ctx, l.Subject.NS.Fd(), func(s sockdiag.Socket) bool { return s.PID > 0 && s.PID != self }, p.Exited())
	switch {
	case errors.Is(err, errTargetExited):
		return fmt.Errorf("%w: %q exited: %s", errTargetStart, sc.TargetCmd, logHead())
	case errors.Is(err, errNoMonitor):
		return fmt.Errorf("%w: %q opened %v (the target must follow links over rtnetlink): %s", errTargetStart, sc.TargetCmd, err, logHead())
	case err != nil:
		return err
	}
	r.subject = wire
	m, err := newExternalMonitor(l.Subject.NS.Fd(), sock, "unknown ("+sock.Comm+")")
	if err != nil {
		return err
	}
	r.setMonitor(m)
	return nil
}

// newWireSubject watches the lab's subject addresses on the wire, with the
// silence of a Master_Down_Interval of the peer: the interfaces' own and
// the link-local addresses of the lab's VMACs (FRR's vrrpd advertises over
// IPv6 from its macvlan's).
func newWireSubject(sc scenario.Scenario, l *lab.Lab) (*wireSubject, error) {
	var from []netip.Addr
	for _, ifc := range l.Interfaces {
		for _, p := range []netip.Prefix{ifc.Subject, ifc.Subject6, ifc.SubjectLL} {
			if p.IsValid() {
				from = append(from, p.Addr())
			}
		}
	}
	vmac := map[uint32]bool{}
	for _, in := range l.Instances {
		if in.VMACIndex != 0 {
			vmac[in.VMACIndex] = true
		}
	}
	if len(vmac) > 0 {
		addrs, err := l.Subject.Conn.Address.List()
		if err != nil {
			return nil, fmt.Errorf("list the subject's addresses: %w", err)
		}
		for _, a := range addrs {
			if ip, ok := netip.AddrFromSlice(a.Attributes.Address); ok && vmac[a.Index] && ip.Unmap().IsLinkLocalUnicast() {
				from = append(from, ip.Unmap())
			}
		}
	}
	return newWireObserver(len(l.Instances), from, sc.MasterDownInterval(peerPriority), max(sc.AdvertInterval/4, 5*time.Millisecond), time.Now), nil
}
