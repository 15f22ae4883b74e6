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
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// errTargetStart is wrapped when an exec target cannot be started or
// observed.
var errTargetStart = errors.New("target did not start")

// startExec runs --target-cmd in the subject namespace, the contract being
// (README, "--target exec"): run one VRRP instance per VRID 1..N on
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
	r.monitor = &externalMonitor{nsFD: l.Subject.NS.Fd(), sock: sock, policy: "unknown (" + sock.Comm + ")"}
	return nil
}

// wireSubject sees an external daemon only through the peer's ears: an
// instance is MASTER while the peer hears the subject advertise for it at
// a priority above its own, and silent (reported as FAULT) once nothing
// was heard for three advertisement intervals and the skew.
type wireSubject struct {
	from    map[netip.Addr]bool
	silence time.Duration
	poll    time.Duration

	mu          sync.Mutex
	last        []time.Time
	master      []bool
	transitions []vrrp.Transition
}

func newWireSubject(sc scenario.Scenario, l *lab.Lab) *wireSubject {
	w := &wireSubject{from: map[netip.Addr]bool{}, silence: sc.MasterDownInterval(peerPriority),
		poll: max(sc.AdvertInterval/4, 5*time.Millisecond), last: make([]time.Time, len(l.Instances)), master: make([]bool, len(l.Instances))}
	for _, ifc := range l.Interfaces {
		for _, p := range []netip.Prefix{ifc.Subject, ifc.Subject6, ifc.SubjectLL} {
			if p.IsValid() {
				w.from[p.Addr()] = true
			}
		}
	}
	return w
}

// observe is the peer router's hook: called for every advert it accepts.
func (w *wireSubject) observe(i int, h vrrp.Heard) {
	if !w.from[h.From] || h.Priority <= peerPriority {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.master[i] {
		w.master[i] = true
		w.transitions = append(w.transitions, vrrp.Transition{At: h.At, Instance: i, From: vrrp.Fault, To: vrrp.Master})
	}
	w.last[i] = h.At
}

// refresh turns instances silent for too long into FAULT; w.mu is held.
func (w *wireSubject) refresh(now time.Time) {
	for i := range w.master {
		if w.master[i] && now.Sub(w.last[i]) > w.silence {
			w.master[i] = false
			w.transitions = append(w.transitions, vrrp.Transition{At: w.last[i].Add(w.silence), Instance: i, From: vrrp.Master, To: vrrp.Fault})
		}
	}
}

func (w *wireSubject) States() []vrrp.State {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refresh(time.Now())
	out := make([]vrrp.State, len(w.master))
	for i, m := range w.master {
		out[i] = vrrp.Fault
		if m {
			out[i] = vrrp.Master
		}
	}
	return out
}

func (w *wireSubject) Transitions() []vrrp.Transition {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refresh(time.Now())
	return append([]vrrp.Transition(nil), w.transitions...)
}

// WaitAll polls: silence is the passing of time, not an event.
func (w *wireSubject) WaitAll(ctx context.Context, s vrrp.State) error {
	tick := time.NewTicker(w.poll)
	defer tick.Stop()
	for {
		missing := countNot(w.States(), s)
		if missing == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d instances not %s on the wire: %w", missing, len(w.master), s, ctx.Err())
		case <-tick.C:
		}
	}
}
