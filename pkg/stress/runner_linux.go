package stress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/target"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// runner holds the moving parts of one run.
type runner struct {
	// sc is the scenario, the session's own: a new buffer set between
	// flaps is seen here at once.
	sc  *scenario.Scenario
	lab *lab.Lab
	// built is when the lab was finished.
	built time.Time
	// daemon is the router under test; subject is how the run sees its
	// instances.
	daemon  daemonUnderTest
	subject subjectView
	peer    *vrrp.Router
	monitor monitorView
	// monitorMu guards monitor against the sampler while a restarted
	// target's monitor replaces it (setBuffer).
	monitorMu sync.Mutex
	oracle    *nlmon.Oracle
	// groups are the monitor's (and the oracle's) groups; subjectSpecs and
	// peerSpecs the two routers' instances: computed once per run.
	groups                  []nlmon.Group
	subjectSpecs, peerSpecs []vrrp.InstanceSpec
	// replay is the user's keepalived configuration the subject runs, nil
	// for a generated one.
	replay *replay.Replay
	// win closes the measuring windows; links are the subject's links a
	// flap takes down and up.
	win   *flap.Window
	links flap.Links
	// quiet follows the last message of the lab (the oracle's queue
	// growing; link changes in the peer's namespace, read on peerLinks),
	// for the holds that wait on the kernel.
	quiet     *flap.Quiet
	peerLinks *nlmon.Socket
	// clock times the subject's link messages for each phase (its
	// LinkBursts), polled by quiet.
	clock *flap.LinkClock
	// churnTruesize is the truesize per message of background churn,
	// measured alone before the last flap.
	churnTruesize float64
	// flapped is what a flap concerns: the lab's interfaces it takes down
	// and the instances on them.
	flapped flapped
	// marker closes measuring windows on the reader's own count; nil for
	// an external target, whose reads are not visible.
	marker  *nlmon.Marker
	sampler *sockdiag.Sampler
	// peak reads the monitor's queue in the kernel (exactPeak), nil
	// where it cannot.
	peak exactPeak
	// wire is the peer's view of a target that is watched on the wire
	// (exec, FRR: its traits say Wire); nil otherwise.
	wire *wireSubject

	// ctx is the run's own context: cancelled when the run is stopped
	// from outside.
	ctx context.Context
	// truth is the kernel's last link state per ifindex (from the oracle)
	// and belief what the subject's monitor last read, as far as it tells
	// (learn): links absent are up, as every link is when a run starts.
	truth    map[uint32]bool
	beliefMu sync.Mutex
	belief   map[uint32]bool
	// read are the links the engine's monitor read a message about in the
	// current phase (only the engine tells).
	read map[uint32]bool
	// vmacs are, per instance, the ifindex of its VMAC on the subject (0
	// for none): the lab's, or keepalived's own once learn found them.
	vmacs []uint32
	// learn brings belief up to date from the daemon's own account of
	// what it read (watched.learn); nil when nothing tells.
	learn func() error

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

// start opens the oracle, starts the peer, the daemon under test d with
// its monitor, and the sampler. On error it stops what it started.
func start(ctx context.Context, sc *scenario.Scenario, l *lab.Lab, rp *replay.Replay, d daemonUnderTest) (_ *runner, err error) {
	r := &runner{sc: sc, lab: l, replay: rp, daemon: d, built: time.Now(), ctx: ctx, groups: d.groups(*sc, rp),
		truth: map[uint32]bool{}, belief: map[uint32]bool{}, read: map[uint32]bool{}}
	if rp != nil {
		r.subjectSpecs, r.peerSpecs = replaySpecs(rp, l, lab.RoleSubject), replaySpecs(rp, l, lab.RolePeer)
	} else {
		r.subjectSpecs, r.peerSpecs = instanceSpecs(*sc, l, lab.RoleSubject), instanceSpecs(*sc, l, lab.RolePeer)
	}
	for _, in := range l.Instances {
		r.vmacs = append(r.vmacs, in.VMACIndex)
	}
	var rctx context.Context
	rctx, r.cancel = context.WithCancel(ctx)
	defer func() {
		if err != nil {
			r.stop(nil)
		}
	}()
	if r.oracle, err = nlmon.OpenOracle(l.Subject.NS.Fd(), r.groups, sc.OracleRcvBuf()); err != nil {
		return nil, err
	}
	if l.Churn != nil {
		r.oracle.ChurnLink = l.Churn.Index
	}
	// The kernel's linkwatch is one for every namespace: the carrier of
	// the peer's ends of the veths changes with the subject's, and a
	// linkwatch batch there holds back the next one here as much.
	if r.peerLinks, err = nlmon.Open(nlmon.Config{NetNS: l.Peer.NS.Fd(), Groups: []nlmon.Group{nlmon.GroupLink}}); err != nil {
		return nil, fmt.Errorf("watch the peer's links: %w", err)
	}
	if r.clock, err = flap.OpenLinkClock(l.Subject.NS.Fd()); err != nil {
		return nil, err
	}
	r.quiet = flap.NewQuiet(flap.QueueGrowth(r.oracle.Socket().MemInfo), flap.Drained(r.peerLinks), r.clock.Arrivals())
	r.spawn(rctx, "quiet watcher", r.quiet.Run)
	peerCfg := vrrp.RouterConfig{Name: "peer", NS: l.Peer.NS, Instances: r.peerSpecs}
	if sc.OnTheWire() {
		if r.wire, err = newWireSubject(*sc, l); err != nil {
			return nil, err
		}
		peerCfg.Observe = r.wire.observe
	}
	if !sc.Peerless() {
		if r.peer, err = vrrp.NewRouter(peerCfg); err != nil {
			return nil, err
		}
		r.spawn(rctx, "peer router", r.peer.Run)
	}
	w, err := d.start(rctx, r)
	if err != nil {
		return nil, err
	}
	r.watch(w)
	r.win = &flap.Window{Oracle: r.oracle, Monitor: r.monitor, Marker: r.marker, Failed: r.failed,
		Busy: fmt.Sprintf(" (consumer cost %v too high?)", sc.ConsumerCost)}
	// An admin flap sets the subject's ends down; a carrier flap the
	// peer's, so that the subject keeps IFF_UP and loses carrier.
	r.links = flap.Links{Conn: l.Subject.Conn}
	if sc.FlapMode == scenario.FlapCarrier {
		r.links.Conn = l.Peer.Conn
	}
	if err := r.selectFlapped(); err != nil {
		return nil, err
	}
	r.sampler = sockdiag.NewReadSampler(r.memInfo, sc.SampleInterval)
	if sc.SampleInterval > 0 {
		r.spawn(rctx, "sampler", func(ctx context.Context) error { r.sampler.Run(ctx); return nil })
	}
	m := r.describeMonitor()
	slog.Info("monitor open", "target", sc.Target, "groups", m.Groups, "requested", m.Requested, "default", m.Default, "effective", m.Effective,
		"force", m.Force, "capped", m.Capped, "policy", m.Policy, "cost", m.Cost)
	return r, nil
}

// watch makes w what the run watches: the subject, the monitor under test
// (the one it replaces is closed), its marker and its account of what it
// read.
func (r *runner) watch(w watched) {
	r.subject, r.learn = w.subject, w.learn
	if w.marker != nil {
		if r.marker != nil {
			r.marker.Close()
		}
		r.marker = w.marker
		if r.win != nil {
			r.win.Marker = w.marker
		}
	}
	r.setMonitor(w.monitor)
}

// flapped is what a flap concerns.
type flapped struct {
	// link maps a lab interface to its position in runner.links; the
	// interfaces absent are not flapped.
	link map[int]int
	// instances are the lab's instances on flapped interfaces.
	instances []int
	// all says every interface is flapped.
	all bool
}

// of is a router's view of the flapped instances.
func (f flapped) of(v stateView) stateView {
	if f.all {
		return v
	}
	return subset{v: v, instances: f.instances}
}

// selectFlapped picks the links a flap takes down (sc.FlapInterfaces) and
// the instances on them.
func (r *runner) selectFlapped() error {
	names := r.lab.InterfaceNames()
	picked, err := flap.Select(r.sc.FlapInterfaces, names)
	if err != nil {
		return fmt.Errorf("%w: %w", scenario.ErrInvalid, err)
	}
	r.flapped = flapped{link: map[int]int{}, all: len(picked) == len(names)}
	for j, k := range picked {
		ifc := r.lab.Interfaces[k]
		r.flapped.link[k] = j
		r.links.Names, r.links.Indexes = append(r.links.Names, ifc.Name), append(r.links.Indexes, ifc.Index)
	}
	for i, in := range r.lab.Instances {
		if _, ok := r.flapped.link[in.Interface]; ok {
			r.flapped.instances = append(r.flapped.instances, i)
		}
	}
	return nil
}

// memInfo reads the monitor's queue for the sampler.
func (r *runner) memInfo() (sockdiag.MemInfo, error) {
	r.monitorMu.Lock()
	m := r.monitor
	r.monitorMu.Unlock()
	return m.memInfo()
}

// setMonitor makes m the monitor under test.
// The monitor it replaces is closed, if it holds anything.
func (r *runner) setMonitor(m monitorView) {
	r.monitorMu.Lock()
	old := r.monitor
	r.monitor = m
	r.monitorMu.Unlock()
	closeMonitor(old)
	if r.win != nil {
		r.win.Monitor = m
	}
}

// setBuffer gives the monitor under test r.sc's buffer (set by the
// session): the engine's socket is resized in place; an outside daemon is
// restarted with it and its new monitor watched. restarted says it was.
func (r *runner) setBuffer(ctx context.Context) (bufferChange, error) {
	ch, err := r.daemon.setBuffer(ctx, r)
	if err != nil {
		return ch, err
	}
	if ch.restarted != nil {
		r.watch(*ch.restarted)
	}
	return ch, nil
}

// closeMonitor closes what a monitor view holds (an external monitor's
// sock_diag connection); the engine's monitor is the engine's to close.
func closeMonitor(m monitorView) {
	if c, ok := m.(io.Closer); ok {
		_ = c.Close()
	}
}

// describeMonitor is the result's description of the monitor under test:
// what the scenario asked for, and what the monitor reports of itself
// (effective size, cap, the daemon's socket, the policy's work so far).
func (r *runner) describeMonitor() *result.Monitor {
	size, force, dflt := r.sc.MonitorBuffer()
	t := target.Of(r.sc.Target)
	m := &result.Monitor{Requested: int64(size), Force: force, Default: dflt, Setting: t.Setting(int64(size), force, dflt), Owner: t.Owner, NoENOBUFS: r.sc.NoENOBUFS,
		Policy: string(r.sc.OnOverrun), Cost: r.sc.ConsumerCost, TransitionCost: r.sc.TransitionCost, TrackCost: r.sc.TrackCost, SampleInterval: r.sc.SampleInterval}
	for _, g := range r.groups {
		m.Groups = append(m.Groups, g.String())
	}
	r.monitor.describe(m)
	m.PeakExact, m.PeakUnwatched = r.peak.w != nil, r.peak.unwatched
	return m
}

// described is what the monitor under test reports of itself alone
// (effective size, its socket), without the scenario's part.
func (r *runner) described() result.Monitor {
	var d result.Monitor
	r.monitor.describe(&d)
	return d
}

// spawn runs fn in its own goroutine; stop waits for it, and its error
// fails the run.
func (r *runner) spawn(ctx context.Context, name string, fn func(context.Context) error) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := fn(ctx); err != nil {
			r.fail(fmt.Errorf("%s: %w", name, err))
		}
	}()
}

// fail records an error that fails the run.
func (r *runner) fail(err error) {
	r.mu.Lock()
	r.errs = append(r.errs, err)
	r.mu.Unlock()
}

// failed returns the errors of the background parts so far, joined; nil if
// none failed.
func (r *runner) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

// stop stops everything and, with res, records the routers' final
// counters.
func (r *runner) stop(res *result.Result) error {
	if c, ok := r.daemon.(counted); ok && res != nil {
		// Asked before it stops; a dead engine's failure is already the
		// run's.
		if c, err := c.counters(); err == nil {
			res.Subject = &c
		}
	}
	grace := daemon.StopGrace
	if r.ctx.Err() != nil {
		grace = 0 // interrupted: the lab goes at once, and the daemon with it
	}
	if err := r.daemon.stop(grace); err != nil {
		r.fail(err)
	}
	r.cancel()
	r.wg.Wait()
	closeMonitor(r.monitor)
	r.peak.close()
	if r.oracle != nil {
		r.oracle.Close()
	}
	if r.peerLinks != nil {
		r.peerLinks.Close()
	}
	if r.clock != nil {
		r.clock.Close()
	}
	if r.marker != nil {
		r.marker.Close()
	}
	if res != nil {
		if r.peer != nil {
			c := r.peer.Counters()
			res.Peer = &c
		}
	}
	return r.failed()
}

// believe records the link state a daemon's monitor read, as its own
// account tells.
func (r *runner) believe(index uint32, up bool) {
	r.beliefMu.Lock()
	r.belief[index] = up
	r.read[index] = true
	r.beliefMu.Unlock()
}

// tracked are the links instance i follows: its interface and, if it has
// one, its VMAC.
func (r *runner) tracked(i int) []uint32 {
	links := []uint32{r.lab.Interfaces[r.lab.Instances[i].Interface].Index}
	if r.vmacs[i] != 0 {
		links = append(links, r.vmacs[i])
	}
	return links
}

// linkLost are the instances with a tracked link about which the kernel
// sent messages in the phase just closed (linkUp has the links it sent
// messages about) and none reached the engine's monitor; it starts the
// next phase. Their order is the lab's, which is the order of their
// VMACs' messages in the storm: the list shows where in the storm the
// loss fell.
func (r *runner) linkLost(linkUp map[uint32]bool) []result.Instance {
	r.beliefMu.Lock()
	defer r.beliefMu.Unlock()
	var out []result.Instance
	for i, in := range r.lab.Instances {
		ifc := r.lab.Interfaces[in.Interface]
		lost := false
		for _, idx := range r.tracked(i) {
			if _, sent := linkUp[idx]; sent && !r.read[idx] {
				lost = true
			}
		}
		if lost {
			out = append(out, result.Instance{VRID: in.VRID, Interface: ifc.Name, State: "lost"})
		}
	}
	clear(r.read)
	return out
}

// missed are the instances whose tracked links the monitor has wrong, after
// the kernel's link states of the last window (linkUp) were learnt.
func (r *runner) missed(linkUp map[uint32]bool) []result.Instance {
	for k, v := range linkUp {
		r.truth[k] = v
	}
	r.beliefMu.Lock()
	defer r.beliefMu.Unlock()
	state := func(m map[uint32]bool, idx uint32) bool {
		up, ok := m[idx]
		return !ok || up
	}
	var out []result.Instance
	for i, in := range r.lab.Instances {
		ifc := r.lab.Interfaces[in.Interface]
		truth, belief := true, true
		for _, idx := range r.tracked(i) {
			truth = truth && state(r.truth, idx)
			belief = belief && state(r.belief, idx)
		}
		if truth != belief {
			s := "believes down"
			if belief {
				s = "believes up"
			}
			out = append(out, result.Instance{VRID: in.VRID, Interface: ifc.Name, State: s})
		}
	}
	return out
}
