package stress

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/frr"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// startFRR starts FRR's zebra and vrrpd as the subject. The lab made the
// macvlans vrrpd needs (bridge mode, random link-local, the instance's
// virtual addresses on each); startFRR writes one "vrrp N" per instance and runs zebra with --nl-bufsize from
// the scenario. The monitor under test is zebra's listening socket, found
// through sockdiag; what zebra believes of the links is read from its vty
// after each phase.
func (r *runner) startFRR(ctx context.Context, sc scenario.Scenario, l *lab.Lab, wire *wireSubject) error {
	dir := filepath.Join(l.Dir(), "frr")
	var ins []frr.Instance
	for i, s := range r.subjectSpecs {
		ins = append(ins, frr.Instance{Interface: l.Interfaces[l.Instances[i].Interface].Name, VRID: s.Config.VRID,
			Priority: s.Config.Priority, Version: sc.Version, Interval: sc.AdvertInterval, VIPs: s.Config.Addrs})
	}
	opt := frr.Options{Dir: dir, Hostname: "nls-" + l.RunID, Config: frr.Config{Hostname: "nls-" + l.RunID, Instances: ins}}
	if size, _, dflt := sc.MonitorBuffer(); !dflt {
		opt.NLBufSize = int64(size)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("FRR's run directory: %w", err)
	}
	p, err := frr.Start(l.Subject.NS, opt)
	if errors.Is(err, frr.ErrOverrun) {
		// Not a failure to run FRR: zebra cannot take this buffer.
		return fmt.Errorf("%w: FAIL: %w", result.ErrFinding, err)
	}
	if err != nil {
		return err
	}
	r.frr, r.stopTarget, r.zebraLog = p, p.Stop, 0
	zebra := p.Zebra.PID()
	// zebra has two sockets with groups: "netlink-dp-in" (addresses and
	// netconf, for its dataplane thread) and "netlink-listen", which
	// alone takes links (and routes, neighbours, rules): the one that
	// tells vrrpd a link's state.
	sock, err := findMonitorSocket(ctx, l.Subject.NS.Fd(), func(s sockdiag.Socket) bool {
		return s.PID == zebra && slices.Contains(s.Groups, uint32(nlmon.GroupLink)) && slices.Contains(s.Groups, uint32(nlmon.GroupIPv4Route))
	}, p.Zebra.Exited())
	switch {
	case errors.Is(err, errTargetExited):
		if x := frrExits(p); len(x) > 0 && strings.Contains(x[0].LastWords, "recvmsg overrun") {
			return fmt.Errorf("%w: FAIL: %w: %w: %s at start-up", result.ErrFinding, frr.ErrStart, frr.ErrOverrun, x[0])
		}
		return fmt.Errorf("%w: zebra exited: %s", frr.ErrStart, daemon.Head(p.Log("zebra"), 5))
	case err != nil:
		return fmt.Errorf("zebra (pid %d): %w", zebra, err)
	}
	fs := &frrSubject{wire: wire, p: p, poll: max(wire.poll, frrPoll), family: sc.Family}
	for i, in := range l.Instances {
		fs.keys = append(fs.keys, routerKey{l.Interfaces[in.Interface].Name, r.subjectSpecs[i].Config.VRID})
	}
	r.subject = fs
	r.learn = r.learnFromZebra(p)
	m, err := newExternalMonitor(l.Subject.NS.Fd(), sock, result.PolicyZebra)
	if err != nil {
		return err
	}
	m.exited = p.Zebra.Exited()
	r.setMonitor(m)
	return nil
}

// learnFromZebra returns a learn function that reads zebra's belief of
// every link from its vty ("show interface json"). Once zebra is dead
// its belief is frozen where it died.
func (r *runner) learnFromZebra(p *frr.Process) func() error {
	return func() error {
		select {
		case <-p.Zebra.Exited():
			return nil
		default:
		}
		ifs, err := p.Interfaces(r.ctx)
		if err != nil {
			return err
		}
		for _, z := range ifs {
			r.believe(z.Index, z.Up())
		}
		return nil
	}
}

// daemonReport adds to a flap what an outside daemon said and did: for
// FRR, zebra's overrun lines since the last flap and the daemons found
// dead.
func (r *runner) daemonReport(f *result.Flap) {
	if r.frr == nil {
		return
	}
	log := r.frr.Log("zebra")
	if len(log) >= r.zebraLog {
		// A line still being written is read with the next flap.
		f.Overruns = frr.Overruns(log[r.zebraLog:])
		r.zebraLog = strings.LastIndexByte(log, '\n') + 1
	}
	f.Exited = frrExits(r.frr)
}

// frrExits are the FRR daemons found dead, each with its last log line.
func frrExits(p *frr.Process) []result.DaemonExit {
	var out []result.DaemonExit
	for _, d := range []*daemon.Process{p.Zebra, p.VRRPD} {
		select {
		case <-d.Exited():
		default:
			continue
		}
		name := filepath.Base(d.Path())
		x := result.DaemonExit{Daemon: name, PID: d.PID(), Status: fmt.Sprint(d.Err())}
		if d.Err() == nil {
			x.Status = "exit status 0"
		}
		// Its last words: the overrun it died of, if it logged one
		// (zebra's exit(-1) right after "recvmsg overrun"), else the
		// last line of its log, else of its output.
		log := p.Log(name)
		if o := frr.Overruns(log); len(o) > 0 {
			x.LastWords = o[len(o)-1]
		} else if x.LastWords = lastLine(log); x.LastWords == "" {
			x.LastWords = lastLine(d.Log())
		}
		out = append(out, x)
	}
	return out
}

// frrPoll is the least time between two looks at vrrpd's states: "show
// vrrp json" of 255 routers is some 250 KB for vrrpd to write.
const frrPoll = 100 * time.Millisecond

// frrSubject sees FRR's instances two ways: on the wire, as the peer
// hears them, and as vrrpd reports them ("show vrrp json"). An instance is
// MASTER when both say so; otherwise it is in vrrpd's own state if that is
// not Master, else in the wire's (FAULT: silent). Transitions are the
// wire's.
type frrSubject struct {
	wire   *wireSubject
	p      *frr.Process
	poll   time.Duration
	family int
	keys   []routerKey // per instance, in the lab's order

	mu     sync.Mutex
	at     time.Time
	states []vrrp.State
}

func (f *frrSubject) Transitions() []vrrp.Transition { return f.wire.Transitions() }

func (f *frrSubject) WaitAll(ctx context.Context, s vrrp.State) error {
	return pollAll(ctx, f.States, s, f.poll, "instances", "(vrrpd and the wire)")
}

func (f *frrSubject) States() []vrrp.State {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.states != nil && time.Since(f.at) < f.poll {
		return slices.Clone(f.states)
	}
	out := f.wire.States()
	own := f.vrrpd(len(out))
	for i := range out {
		if own[i] != vrrp.Master {
			out[i] = own[i]
		}
	}
	f.states, f.at = out, time.Now()
	return slices.Clone(out)
}

// vrrpd is each instance's state as vrrpd reports it, in the lab's order
// (vrrpd lists its routers by interface and VRID); Initialize for all when
// vrrpd does not answer.
func (f *frrSubject) vrrpd(n int) []vrrp.State {
	out := make([]vrrp.State, n)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rs, err := f.p.Show(ctx)
	if err != nil {
		return out // vrrp.Initialize
	}
	byKey := make(map[routerKey]frr.Half, len(rs))
	for _, rt := range rs {
		byKey[routerKey{rt.Interface, rt.VRID}] = rt.Of(f.family)
	}
	for i, k := range f.keys {
		out[i] = frrState(byKey[k].Status)
	}
	return out
}

// routerKey names one of vrrpd's virtual routers.
type routerKey struct {
	ifname string
	vrid   uint8
}

// frrState maps vrrpd's state names to the engine's.
func frrState(s string) vrrp.State {
	switch s {
	case frr.StateMaster:
		return vrrp.Master
	case frr.StateBackup:
		return vrrp.Backup
	}
	return vrrp.Initialize
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
