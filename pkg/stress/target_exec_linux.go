package stress

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/target"
)

func init() {
	targets[target.Exec] = func(sc scenario.Scenario) (daemonUnderTest, error) {
		if err := daemon.CheckCommand(sc.TargetCmd); err != nil {
			return nil, err
		}
		return &execTarget{cmd: sc.TargetCmd}, nil
	}
}

// errTargetStart is wrapped when an exec target cannot be started or
// observed.
var errTargetStart = errors.New("target did not start")

// execTarget runs --target-cmd in the subject namespace, the contract
// being (cmd/nlstress/README.md, "--target exec"): run one VRRP instance
// per VRID 1..N on $NLS_INTERFACE with priority above 100 and preemption,
// advertising every $NLS_ADVERT_INT, with the addresses of $NLS_VIPS_FILE,
// and follow links over rtnetlink. nlstress observes it only from
// outside: its adverts as the peer hears them, and its monitor socket
// through sock_diag.
type execTarget struct {
	cmd string
	p   *daemon.Process
}

func (*execTarget) labSpec(sc scenario.Scenario) lab.Spec { return baseLab(sc, sc.VMAC) }

func (*execTarget) groups(sc scenario.Scenario, _ *replay.Replay) []nlmon.Group {
	return linkGroups(sc)
}

func (t *execTarget) start(ctx context.Context, r *runner) (watched, error) {
	sc, l := r.sc, r.lab
	dir, err := runDir(l, "target")
	if err != nil {
		return watched{}, err
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
		return watched{}, fmt.Errorf("target: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", t.cmd)
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
		return watched{}, fmt.Errorf("%w: %s: %v", errTargetStart, t.cmd, err)
	}
	t.p = p
	logHead := func() string { return daemon.Head(p.Log(), 5) }
	// Its monitor: an rtnetlink socket with groups that is not nlstress's.
	self := os.Getpid()
	m, err := watchOutside(ctx, l, fmt.Sprintf("%q", t.cmd), func(s sockdiag.Socket) bool { return s.PID > 0 && s.PID != self }, p.Exited(), "",
		func() error { return fmt.Errorf("%w: %q exited: %s", errTargetStart, t.cmd, logHead()) })
	if errors.Is(err, errNoMonitor) {
		return watched{}, fmt.Errorf("%w: %q opened %v (the target must follow links over rtnetlink): %s", errTargetStart, t.cmd, errors.Unwrap(err), logHead())
	}
	if err != nil {
		return watched{}, err
	}
	return watched{subject: r.wire, monitor: m}, nil
}

// setBuffer refuses: an exec target's buffer is its own.
func (*execTarget) setBuffer(context.Context, *runner) (*watched, error) {
	return nil, fmt.Errorf("%w: an exec target's buffer is its own: nlstress cannot change it", scenario.ErrInvalid)
}

func (t *execTarget) stop(grace time.Duration) error {
	if t.p == nil {
		return nil
	}
	return t.p.Stop(grace)
}
