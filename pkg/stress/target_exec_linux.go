package stress

import (
	"bytes"
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
	"github.com/nlstress/nlstress/pkg/netns"
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
		if sc.Probe != "" {
			if err := daemon.CheckCommand(sc.Probe); err != nil {
				return nil, fmt.Errorf("--probe: %w", err)
			}
		}
		return &execTarget{cmd: sc.TargetCmd, probe: sc.Probe}, nil
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
//
// With a probe, the daemon need not speak VRRP: each VRID is a macvlan
// it follows, and the probe says which links it believes up.
type execTarget struct {
	cmd, probe string
	p          *daemon.Process
	view       *beliefView
}

// labSpec makes macvlans when the scenario asks, and always with a
// probe: they are the links the daemon is judged on.
func (t *execTarget) labSpec(sc scenario.Scenario) lab.Spec {
	return baseLab(sc, sc.VMAC || t.probe != "")
}

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
	env := append(os.Environ(),
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
	cmd := exec.Command("/bin/sh", "-c", t.cmd)
	cmd.Dir, cmd.Env = dir, env
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
	if t.probe == "" {
		return watched{subject: r.wire, monitor: m}, nil
	}
	var names []string
	for _, in := range l.Instances {
		names = append(names, lab.VMACName(in.Interface, in.VRID))
	}
	if t.view, err = watchBelief("the probe", names, probePoll, askProbe(l.Subject.NS, t.probe, dir, env)); err != nil {
		return watched{}, fmt.Errorf("--probe: %w", err)
	}
	return watched{subject: t.view, monitor: m}, nil
}

// probePoll is how often the probe runs: the resolution of the recovery
// times it gives.
const probePoll = 200 * time.Millisecond

// probeTimeout bounds one run of the probe.
const probeTimeout = 5 * time.Second

// askProbe returns the question a beliefView asks with the probe: run it
// in ns (its directory dir, the daemon's environment env) and read the
// links it prints, one name per line or a JSON array of names.
func askProbe(ns *netns.NS, probe, dir string, env []string) func() (map[string]bool, error) {
	return func() (map[string]bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/bin/sh", "-c", probe)
		cmd.Dir, cmd.Env = dir, env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := ns.Do(cmd.Run); err != nil {
			return nil, fmt.Errorf("%q: %v: %s", probe, err, daemon.Head(errb.String(), 2))
		}
		return ParseProbe(out.String())
	}
}

// setBuffer refuses: an exec target's buffer is its own.
func (*execTarget) setBuffer(context.Context, *runner) (bufferChange, error) {
	return bufferChange{}, fmt.Errorf("%w: an exec target's buffer is its own: nlstress cannot change it", scenario.ErrInvalid)
}

func (t *execTarget) stop(grace time.Duration) error {
	if t.view != nil {
		t.view.close()
		t.view = nil
	}
	if t.p == nil {
		return nil
	}
	return t.p.Stop(grace)
}
