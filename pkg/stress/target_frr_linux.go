package stress

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/frr"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/target"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

func init() {
	targets[target.FRR] = func(scenario.Scenario) (daemonUnderTest, error) {
		zebra, _, err := frr.Binaries("")
		if err != nil {
			return nil, err
		}
		ver, err := frr.Version(zebra)
		if err != nil {
			return nil, err
		}
		return &frrTarget{ver: "FRR " + ver}, nil
	}
}

// frrTarget is FRR's zebra and vrrpd as the subject. The lab makes the
// macvlans vrrpd needs (bridge mode, random link-local, the instance's
// virtual addresses on each); the target writes one "vrrp N" per instance
// and runs zebra with --nl-bufsize from the scenario. The monitor under
// test is zebra's listening socket, found through sockdiag; what zebra
// believes of the links is read from its vty after each phase.
type frrTarget struct {
	p *frr.Process
	// zebraLog is how much of zebra's log the flaps have read.
	zebraLog int
	// ver is zebra's --version line.
	ver string
}

func (t *frrTarget) version() string { return t.ver }

// labSpec makes the macvlans vrrpd needs, whatever --vmac says.
func (*frrTarget) labSpec(sc scenario.Scenario) lab.Spec {
	s := baseLab(sc, true)
	s.VMACMode, s.VMACRandomLinkLocal, s.VMACVIPs = lab.MacvlanBridge, true, sc.VIPsPerVRID
	return s
}

// groups are zebra's listening socket's.
func (*frrTarget) groups(scenario.Scenario, *replay.Replay) []nlmon.Group {
	return append([]nlmon.Group(nil), nlmon.ZebraGroups...)
}

func (t *frrTarget) start(ctx context.Context, r *runner) (watched, error) {
	sc, l := r.sc, r.lab
	dir, err := runDir(l, "frr")
	if err != nil {
		return watched{}, err
	}
	var ins []frr.Instance
	for i, s := range r.subjectSpecs {
		ins = append(ins, frr.Instance{Interface: l.Interfaces[l.Instances[i].Interface].Name, VRID: s.Config.VRID,
			Priority: s.Config.Priority, Version: sc.Version, Interval: sc.AdvertInterval, VIPs: s.Config.Addrs})
	}
	opt := frr.Options{Dir: dir, Hostname: "nls-" + l.RunID, Config: frr.Config{Hostname: "nls-" + l.RunID, Instances: ins}}
	if size, _, dflt := sc.MonitorBuffer(); !dflt {
		opt.NLBufSize = int64(size)
	}
	p, err := frr.Start(l.Subject.NS, opt)
	if errors.Is(err, frr.ErrOverrun) {
		// Not a failure to run FRR: zebra cannot take this buffer.
		return watched{}, fmt.Errorf("%w: FAIL: %w", result.ErrFinding, err)
	}
	if err != nil {
		return watched{}, err
	}
	t.p, t.zebraLog = p, 0
	zebra := p.Zebra.PID()
	// zebra has two sockets with groups: "netlink-dp-in" (addresses and
	// netconf, for its dataplane thread) and "netlink-listen", which
	// alone takes links (and routes, neighbours, rules): the one that
	// tells vrrpd a link's state.
	m, err := watchOutside(ctx, l, fmt.Sprintf("zebra (pid %d)", zebra), func(s sockdiag.Socket) bool {
		return s.PID == zebra && slices.Contains(s.Groups, uint32(nlmon.GroupLink)) && slices.Contains(s.Groups, uint32(nlmon.GroupIPv4Route))
	}, p.Zebra.Exited(), result.PolicyZebra, t.deathAtStart)
	if err != nil {
		return watched{}, err
	}
	m.exited = p.Zebra.Exited()
	fs := &frrSubject{wire: r.wire, p: p, poll: max(r.wire.poll, frrPoll), family: sc.Family}
	for i, in := range l.Instances {
		fs.keys = append(fs.keys, routerKey{l.Interfaces[in.Interface].Name, r.subjectSpecs[i].Config.VRID})
	}
	return watched{subject: fs, monitor: m, learn: learnFromZebra(r, p)}, nil
}

// deathAtStart says how zebra or vrrpd died before the run began: zebra
// dead of a netlink overrun it logged is a finding (this buffer cannot
// hold its start), any other death a failure to run FRR.
func (t *frrTarget) deathAtStart() error {
	x := frrExits(t.p)
	switch {
	case len(x) == 0:
		return nil
	case strings.Contains(x[0].LastWords, "recvmsg overrun"):
		return fmt.Errorf("%w: FAIL: %w: %w: %s at start-up", result.ErrFinding, frr.ErrStart, frr.ErrOverrun, x[0])
	}
	return fmt.Errorf("%w: %s exited: %s", frr.ErrStart, x[0].Daemon, daemon.Head(t.p.Log(x[0].Daemon), 5))
}

// setBuffer restarts zebra and vrrpd with the new --nl-bufsize.
func (t *frrTarget) setBuffer(ctx context.Context, r *runner) (bufferChange, error) {
	return restartedWith(restart(ctx, r, t, "FRR"))
}

func (t *frrTarget) stop(grace time.Duration) error {
	if t.p == nil {
		return nil
	}
	return t.p.Stop(grace)
}

// learnFromZebra returns a learn function that reads zebra's belief of
// every link from its vty ("show interface json"). Once zebra is dead
// its belief is frozen where it died.
func learnFromZebra(r *runner, p *frr.Process) func() error {
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

// afterFlap adds zebra's overrun lines since the last flap and the FRR
// daemons found dead.
func (t *frrTarget) afterFlap(f *result.Flap) {
	log := t.p.Log("zebra")
	if len(log) >= t.zebraLog {
		// A line still being written is read with the next flap.
		f.Overruns = frr.Overruns(log[t.zebraLog:])
		t.zebraLog = strings.LastIndexByte(log, '\n') + 1
	}
	f.Exited = frrExits(t.p)
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

// vrrpdShowTimeout bounds one "show vrrp json": vrrpd answers 255
// routers in about 50 ms; an answer later than this counts as none.
const vrrpdShowTimeout = 2 * time.Second

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
func (f *frrSubject) Forget(t time.Time)             { f.wire.Forget(t) }

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
	ctx, cancel := context.WithTimeout(context.Background(), vrrpdShowTimeout)
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
