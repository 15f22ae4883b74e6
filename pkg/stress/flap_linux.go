package stress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/nlstress/nlstress/pkg/churn"
	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/procstat"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// converge waits for the starting position: subject all MASTER (priority
// 200 preempts), peer all BACKUP. The first 2 Master_Down_Intervals + 10 s
// are always given; after that it waits as long as instances keep
// arriving (waitProgress).
func (r *runner) converge(ctx context.Context) error {
	settle := r.sc.Settle()
	limit, quiet := convergeLimit(settle, len(r.subjectSpecs)), quietPeriod(settle)
	t0 := time.Now()
	// A daemon still making its links (keepalived's VMACs at 4,080
	// instances) moves no instance for a while but fills the namespace
	// with link messages; one opening its sockets (keepalived's 8,160
	// at 4,080 instances: 9 s here, no message, no transition) burns
	// its CPU: both still starting, not stuck.
	cpu, lastCPU, lastAt := r.daemonCPU(), time.Duration(0), time.Now()
	busy := func() bool {
		used, at := cpu(), time.Now()
		cpuBusy := working(used-lastCPU, at.Sub(lastAt))
		lastCPU, lastAt = used, at
		since, err := r.quiet.Since()
		return cpuBusy || (err == nil && since < quiet)
	}
	wait := func(v stateView, s vrrp.State) error {
		if err := waitWhileBusy(ctx, v, s, limit, quiet, busy); err != nil {
			return fmt.Errorf("%w: no instance moved, no netlink message came and the daemon was not busy for %v, after %v: %w", ErrNotConverged, quiet, time.Since(t0).Round(time.Millisecond), err)
		}
		return nil
	}
	if err := wait(r.subject, vrrp.Master); err != nil {
		if d, ok := r.daemon.(mortal); ok && ctx.Err() == nil {
			if derr := d.deathAtStart(); derr != nil {
				return derr
			}
		}
		if c, cerr := r.monitor.Counts(); cerr == nil && c.Drops > 0 && ctx.Err() == nil {
			states := r.subject.States()
			return startLoss{missing: countNot(states, vrrp.Master), total: len(states), drops: c.Drops}
		}
		return err
	}
	if r.peer == nil {
		return nil
	}
	return wait(r.peer, vrrp.Backup)
}

// startLoss is a subject that never brought every instance up while its
// monitor dropped messages: it missed link or address changes at start-up
// (FRR's zebra at a small --nl-bufsize). A finding about the subject, not
// a failure of the run: it is ErrNotConverged and result.ErrFinding.
type startLoss struct {
	missing, total int
	drops          uint64
}

func (e startLoss) Error() string {
	return fmt.Sprintf("FAIL: %d of %d instances never became MASTER at start-up, and the monitor under test dropped %d messages meanwhile: "+
		"the daemon missed what it needed to start them", e.missing, e.total, e.drops)
}

func (e startLoss) Unwrap() []error { return []error{ErrNotConverged, result.ErrFinding} }

// phase closes a phase: what the oracle saw since the last mark, what
// the monitor received and lost, and the link messages' bursts, timed
// from from.
func (r *runner) phase(ctx context.Context, m *nlmon.Counts, from time.Time) (result.Phase, error) {
	now, storm, err := r.win.Close(ctx)
	if err != nil {
		return result.Phase{}, err
	}
	if !now.Since(*m) {
		return result.Phase{}, fmt.Errorf("the monitor's counters went back (%+v, then %+v): a failed read counted as zero?", *m, now)
	}
	p := result.Phase{
		Storm:     r.stormResult(storm),
		Received:  now.Messages - m.Messages,
		ENOBUFS:   now.ENOBUFS - m.ENOBUFS,
		Drops:     now.Drops - m.Drops,
		PeakQueue: uint64(r.sampler.HighWater()),
	}
	r.peak.follow(r)
	p.PeakQueueExact = r.peak.reset()
	bursts, complete, err := r.clock.Take(from)
	if err != nil {
		return result.Phase{}, err
	}
	p.LinkBursts, p.LinkBurstsShort = bursts, !complete
	if err := r.learnBelief(); err != nil {
		return result.Phase{}, err
	}
	if r.monitor.inferred() {
		// The daemon's reads are not visible: what it received is what
		// the kernel sent less what it dropped.
		// Its books cannot be checked (Balanced stays nil).
		p.Received, p.Inferred = p.Storm.Messages-min(p.Drops, p.Storm.Messages), true
		if r.learn != nil {
			p.Missed = r.missed(storm.LinkUp) // from the daemon's own account
		}
	} else {
		p.Balanced = result.Bool(p.Storm.Messages == p.Received+p.Drops)
		p.Missed = r.missed(storm.LinkUp)
		p.LinkLost = r.linkLost(storm.LinkUp)
	}
	r.sampler.ResetHighWater()
	*m = now
	return p, nil
}

// learnBelief brings the monitor's belief up to date from an external
// daemon's own account, if it gives one.
func (r *runner) learnBelief() error {
	if r.learn == nil {
		return nil
	}
	if err := r.learn(); err != nil {
		return fmt.Errorf("what the target read: %w", err)
	}
	return nil
}

// stormResult is an oracle's storm as a result states it, with background
// churn's share of the truesize at the churn's measured truesize per
// message.
func (r *runner) stormResult(s nlmon.Storm) result.Storm {
	return result.Storm{Messages: s.Messages, Bytes: s.Bytes, Truesize: s.Truesize, ByType: s.ByType, OracleDrops: uint64(s.OracleDrops),
		AdminChanges: s.AdminChanges, CarrierChanges: s.CarrierChanges, Churn: s.Churn, ChurnBytes: s.ChurnBytes,
		ChurnTruesize: uint64(float64(s.Churn) * r.churnTruesize)}
}

// flap changes the subject's links once, by the scenario's pattern, and
// measures the downs and the ups. It returns the flap and the
// per-instance recovery times.
func (r *runner) flap(ctx context.Context, k int, m *nlmon.Counts) (result.Flap, []time.Duration, error) {
	sc := r.sc
	f := result.Flap{Index: k, OneWindow: !sc.FlapPattern.Held()}
	began := time.Now()
	downs, ups := sc.FlapPattern.Steps(len(r.links.Indexes))
	f.Changes = len(downs) + len(ups)

	// A flap starts from a subject at rest, as between two flaps in the
	// field: the work that followed its last transition (addresses,
	// routes, its links' own changes) is done, which is when no netlink
	// message came for restQuiet.
	var last time.Time
	for _, t := range r.subject.Transitions() {
		last = t.At
	}
	flap.Hold(ctx, last.Add(restAfterTransition))
	if rested, err := r.quiet.Wait(ctx, restQuiet, restLimit); err != nil {
		return f, nil, err
	} else if !rested {
		slog.Debug("flap starts on a namespace still busy", "flap", k, "quiet_wanted", restQuiet, "waited", restLimit)
	}
	// Everything from here on is judged by transitions after this
	// flap's downs: the earlier flaps' are forgotten.
	r.forget(time.Now())
	// A flap's peaks and link bursts are its own.
	r.sampler.ResetHighWater()
	r.peak.follow(r)
	r.peak.reset()
	if _, _, err := r.clock.Take(time.Now()); err != nil {
		return f, nil, err
	}
	f.Rcvbuf = r.described().Effective
	daemonCPU := r.daemonCPU()

	// Background churn runs from a second before the downs until the
	// instances have recovered.
	gens, err := r.startChurn()
	defer func() { _, _ = stopChurn(gens) }()
	if err != nil {
		return f, nil, err
	}
	if len(gens) > 0 {
		flap.Hold(ctx, time.Now().Add(churnLead))
		// The churn alone, before the flap: its truesize per message,
		// to tell its share of the windows' truesize.
		lead, err := r.win.Carry()
		if err != nil {
			return f, nil, err
		}
		if lead.Messages > 0 {
			r.churnTruesize = float64(lead.Truesize) / float64(lead.Messages)
		}
	}

	var lastUp []time.Time
	if sc.FlapPattern.Daemon() {
		err = r.daemonEvent(ctx, &f, m)
	} else {
		lastUp, err = r.downAndUp(ctx, &f, m, downs, ups)
	}
	if err != nil {
		return f, nil, err
	}
	if err := r.awaitRecovery(ctx, &f); err != nil {
		return f, nil, err
	}
	rec := r.judge(&f, lastUp)
	f.DaemonCPU = daemonCPU()
	if f.Churn, err = stopChurn(gens); err != nil {
		return f, nil, err
	}
	for _, st := range f.Churn {
		slog.Info("churn", "flap", k, "kind", st.Kind, "asked", st.Asked, "achieved", int(st.Achieved), "changes", st.Changes)
		if !st.Reached() {
			slog.Warn("churn below the asked rate", "flap", k, "kind", st.Kind, "asked", st.Asked, "achieved", int(st.Achieved))
		}
	}
	upFrom := f.UpAt
	if f.OneWindow {
		upFrom = f.DownAt
	}
	if f.Up, err = r.phase(ctx, m, upFrom); err != nil {
		return f, nil, err
	}
	slog.Info("link up", "flap", k, "recovered", len(rec), "stuck", len(f.Stuck), "p95", f.Recovery.P95.Round(time.Millisecond),
		"storm", f.Up.Storm.Messages, "drops", f.Up.Drops)
	f.Cycle = time.Since(began)
	return f, rec, nil
}

// downAndUp takes the flapped links down (downs), holds them and closes
// the window of the downs unless the pattern measures one window, and
// brings them up (ups). It returns when each link came up.
func (r *runner) downAndUp(ctx context.Context, f *result.Flap, m *nlmon.Counts, downs, ups []flap.Step) (lastUp []time.Time, err error) {
	// Down: every instance on a flapped link should go FAULT, the peer
	// take over.
	if f.DownAt, _, err = r.links.Apply(ctx, downs); err != nil {
		return nil, err
	}
	// From the last down on: the kernel's own work of taking the links
	// down runs in the flapper's system calls, before.
	cpu := r.harnessCPU(ctx)
	if f.OneWindow {
		flap.Hold(ctx, f.DownAt.Add(r.sc.FlapPattern.LastUpAfter()))
	} else if err := r.holdDown(ctx, f, m); err != nil {
		return nil, err
	}
	// Up: every instance should see its link and preempt back.
	var upAt time.Time
	if upAt, lastUp, err = r.links.Apply(ctx, ups); err != nil {
		return nil, err
	}
	f.UpAt = upAt
	for _, t := range lastUp {
		f.UpAt = later(f.UpAt, t)
	}
	f.HarnessCPU = <-cpu
	return lastUp, nil
}

// awaitRecovery waits after the last up for the flapped instances to be
// MASTER again (under the user's hard limit, or as long as they keep
// recovering), then for the peer to step back, and counts the instances
// the peer heard advertise at the subject's priority since.
func (r *runner) awaitRecovery(ctx context.Context, f *result.Flap) error {
	sc := r.sc
	settle := sc.Settle()
	if sc.RecoveryTimeout > 0 {
		// The user's own limit is a hard one.
		uctx, cancel := context.WithDeadline(ctx, f.UpAt.Add(sc.RecoveryTimeout))
		_ = r.flapped.of(r.subject).WaitAll(uctx, vrrp.Master)
		cancel()
	} else {
		// Stuck means nothing moved for a quiet period, not slow.
		_ = waitProgress(ctx, r.flapped.of(r.subject), vrrp.Master, sc.Recovery(), quietPeriod(settle))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.peer == nil {
		return nil
	}
	// The peer steps back at the first advert of each recovered instance;
	// give it a few intervals, then read what it heard on the wire.
	pctx, cancel := context.WithTimeout(ctx, peerStepBack(sc.AdvertInterval))
	_ = r.flapped.of(r.peer).WaitAll(pctx, vrrp.Backup)
	cancel()
	heard := r.peer.Heard()
	for _, i := range r.flapped.instances {
		if h := heard[i]; !h.At.Before(f.UpAt) && h.Priority == r.subjectSpecs[i].Config.Priority {
			f.Advertising++
		}
	}
	return nil
}

// judge is each flapped instance's recovery from the last up of its own
// link (lastUp, per flapped link; nil for a daemon event: from f.UpAt),
// summarised in f, and the instances not MASTER now, which f lists as
// stuck.
func (r *runner) judge(f *result.Flap, lastUp []time.Time) []time.Duration {
	// Each instance recovers from the last up of its own link: under a
	// stagger the first links are back before the last.
	upOf := func(i int) (time.Time, bool) {
		if lastUp == nil { // a daemon event
			return f.UpAt, true
		}
		j, ok := r.flapped.link[r.lab.Instances[i].Interface]
		if !ok {
			return time.Time{}, false
		}
		return lastUp[j], true
	}
	rec := recoveries(r.subject.Transitions(), upOf)
	f.Recovery = result.Summarize(rec)
	states := r.subject.States()
	for _, i := range r.flapped.instances {
		if s := states[i]; s != vrrp.Master {
			in := r.lab.Instances[i]
			f.Stuck = append(f.Stuck, result.Instance{VRID: in.VRID, Interface: r.lab.Interfaces[in.Interface].Name, State: s.String()})
		}
	}
	return rec
}

// daemonEvent reloads or restarts the daemon under test in place of a
// link change. f.DownAt is when the signal went, f.UpAt when the daemon
// was back (for a reload, the same instant). The instances have no link
// to follow back, so the wait that follows holds for
// daemonEventSettle before it looks for any not MASTER: a reload may
// send them through other states, or not at all.
func (r *runner) daemonEvent(ctx context.Context, f *result.Flap, m *nlmon.Counts) error {
	f.DownAt = time.Now()
	switch r.sc.FlapPattern.Kind {
	case flap.Reload:
		d, ok := r.daemon.(reloader)
		if !ok {
			return fmt.Errorf("%w: --target %s cannot be reloaded", scenario.ErrInvalid, r.sc.Target)
		}
		if err := d.reload(); err != nil {
			return fmt.Errorf("reload %s: %w", r.sc.Target, err)
		}
		f.UpAt = f.DownAt
	case flap.Restart:
		if err := r.daemon.stop(daemon.StopGrace); err != nil {
			return fmt.Errorf("stop %s: %w", r.sc.Target, err)
		}
		// What keepalived's shutdown sent (its VMACs and addresses
		// removed) went to a monitor that closed with it: counted apart.
		down, err := r.oracle.Collect()
		if err != nil {
			return err
		}
		shutdown := r.stormResult(down)
		f.Shutdown = &shutdown
		w, err := r.daemon.start(ctx, r)
		if err != nil {
			return fmt.Errorf("start %s again: %w", r.sc.Target, err)
		}
		r.watch(w)
		// The new monitor socket counts from zero; the old one's drops
		// went with it.
		*m = nlmon.Counts{}
		f.UpAt = time.Now()
	}
	flap.Hold(ctx, f.UpAt.Add(max(daemonEventSettle, 3*r.sc.AdvertInterval)))
	return ctx.Err()
}

// daemonEventSettle is the least a reload or restart is given before its
// instances are judged.
const daemonEventSettle = 2 * time.Second

// holdDown holds the flapped links down, as long as the scenario says or
// until their instances are in FAULT and the peer took over, and closes
// the window of the downs.
func (r *runner) holdDown(ctx context.Context, f *result.Flap, m *nlmon.Counts) error {
	sc := r.sc
	subject := r.flapped.of(r.subject)
	var peer stateView
	if r.peer != nil {
		peer = r.flapped.of(r.peer)
	}
	settle := sc.Settle()
	if sc.DownFor > 0 {
		dctx, cancel := context.WithDeadline(ctx, f.DownAt.Add(sc.DownFor))
		_ = subject.WaitAll(dctx, vrrp.Fault)
		if peer != nil {
			_ = peer.WaitAll(dctx, vrrp.Master)
		}
		cancel()
		flap.Hold(ctx, f.DownAt.Add(sc.DownFor)) // exactly --down-for
	} else {
		// Until all FAULT (and the peer took over, unless the scenario
		// does not wait for it), however long a big lab takes, as long as
		// it keeps moving; then until the kernel is done.
		_ = waitProgress(ctx, subject, vrrp.Fault, takeoverLimit(settle), quietPeriod(settle))
		if peer != nil && sc.DownUntil.Or(scenario.DownUntilTakeover) == scenario.DownUntilTakeover {
			_ = waitProgress(ctx, peer, vrrp.Master, takeoverLimit(settle), quietPeriod(settle))
		}
		if err := r.holdForKernel(ctx, f.DownAt); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f.NotFault = countNot(subject.States(), vrrp.Fault)
	if f.NotFault == 0 {
		f.AllFault = lastInto(r.subject.Transitions(), f.DownAt, vrrp.Fault)
	}
	if peer != nil {
		f.PeerNotMaster = countNot(peer.States(), vrrp.Master)
		if f.PeerNotMaster == 0 {
			f.PeerTakeover = lastInto(r.peer.Transitions(), f.DownAt, vrrp.Master)
		}
	}
	var err error
	if f.Down, err = r.phase(ctx, m, f.DownAt); err != nil {
		return err
	}
	slog.Info("link down", "flap", f.Index, "all_fault", f.AllFault.Round(time.Millisecond), "not_fault", f.NotFault,
		"peer_takeover", f.PeerTakeover.Round(time.Millisecond), "storm", f.Down.Storm.Messages, "drops", f.Down.Drops)
	return nil
}

// holdForKernel holds the links down until the kernel has sent the whole
// link-down storm: no message in the subject's namespace, and no link
// change in the peer's (linkwatch serves both), for linkwatchQuiet.
// Linkwatch applies carrier changes (a VMAC following its parent) to at
// most 100 devices per batch and one batch a second, so 255 VMACs can go
// down over two seconds; and an up within a second of a batch waits for
// the next one. Under background churn the namespace is never quiet: the
// links are held for flap.LinkwatchQuantum from down instead.
func (r *runner) holdForKernel(ctx context.Context, down time.Time) error {
	if r.sc.Churns() {
		flap.Hold(ctx, down.Add(flap.LinkwatchQuantum))
		return ctx.Err()
	}
	// As long as the storm lasts: 4,080 VMACs take linkwatch 20 s and
	// more to bring down. A lab never silent for 1.1 s in two minutes is
	// not one storm.
	quiet, err := r.quiet.Wait(ctx, linkwatchQuiet, flap.QuiesceTimeout)
	if err != nil {
		return err
	}
	if !quiet {
		slog.Warn("the link-down storm had not ended when the hold did", "flap_down", down, "quiet_wanted", linkwatchQuiet)
	}
	return nil
}

// linkwatchQuiet is how long the lab must be silent for the kernel's
// link-down work to be over: longer than linkwatch's second
// between two batches, by scheduling delay's margin.
const linkwatchQuiet = 1100 * time.Millisecond

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// harnessWindow is the start of a storm, from the last down, over which
// nlstress's own CPU is measured: the sampler, the oracle, the observers
// and the peer, beside the daemon draining its queue.
const harnessWindow = 200 * time.Millisecond

// harnessCPU measures nlstress's own CPU (user and system, all its
// threads, not its children: not the engine's process) over harnessWindow
// from now, as a percentage of one core, and sends it.
func (r *runner) harnessCPU(ctx context.Context) <-chan float64 {
	out := make(chan float64, 1)
	cpu0, err := procstat.SelfCPU()
	t0 := time.Now()
	go func() {
		flap.Hold(ctx, t0.Add(harnessWindow))
		cpu1, err1 := procstat.SelfCPU()
		if err != nil || err1 != nil {
			out <- 0
			return
		}
		out <- 100 * (cpu1 - cpu0).Seconds() / time.Since(t0).Seconds()
	}()
	return out
}

// forget drops the subject's and the peer's transitions before t.
func (r *runner) forget(t time.Time) {
	r.subject.Forget(t)
	if r.peer != nil {
		r.peer.Forget(t)
	}
}

// daemonCPU starts counting the CPU of the process that owns the
// monitor under test; the function it returns gives what that process
// used since, or 0 when it cannot tell (no process of its own, or gone).
func (r *runner) daemonCPU() func() time.Duration {
	var d result.Monitor
	r.monitorMu.Lock()
	r.monitor.describe(&d)
	r.monitorMu.Unlock()
	if d.PID <= 0 || d.PID == os.Getpid() {
		return func() time.Duration { return 0 }
	}
	c0, err := procstat.CPU(d.PID)
	return func() time.Duration {
		c1, err1 := procstat.CPU(d.PID)
		if err != nil || err1 != nil || c1 < c0 {
			return 0
		}
		return c1 - c0
	}
}

// churnLead is how long background churn runs before a flap's first
// down.
const churnLead = time.Second

// startChurn starts the scenario's churn generators in the subject's
// namespace, on the churn link.
func (r *runner) startChurn() ([]*churn.Generator, error) {
	var gens []*churn.Generator
	for _, kind := range churn.Kinds {
		rate := r.sc.ChurnRate(kind)
		if rate == 0 {
			continue
		}
		g, err := churn.Start(r.lab.Subject.NS.Fd(), kind, rate, r.lab.Churn.Index)
		if err != nil {
			return gens, err
		}
		gens = append(gens, g)
	}
	return gens, nil
}

// stopChurn stops generators and returns what they did; stopping twice is
// harmless.
func stopChurn(gens []*churn.Generator) ([]churn.Stats, error) {
	var out []churn.Stats
	var errs []error
	for _, g := range gens {
		st, err := g.Stop()
		out = append(out, st)
		errs = append(errs, err)
	}
	return out, errors.Join(errs...)
}

// convergeLimit is the least time the routers are given to reach the
// starting position: two Settle times (for VRRP the peer's
// Master_Down_Interval: the subject starts as BACKUP and waits one before
// it takes over, RFC 5798 §6.4.2)
// and a daemon's start-up, in which nothing is seen to move: 10 s, and
// 10 ms per instance for the VMACs a daemon makes before any instance
// starts (keepalived with 255 VMACs takes a few seconds; at 4,080 no
// instance had moved after 17 s, and the run gave up on a daemon still
// starting).
func convergeLimit(settle time.Duration, instances int) time.Duration {
	return 2*settle + 10*time.Second + time.Duration(instances)*10*time.Millisecond
}

// takeoverLimit is the least time a held-down flap gives the subject to
// go FAULT and the peer to take over: one Settle time (for VRRP a
// Master_Down_Interval, RFC 5798 §6.4.2; for BIRD a scan, which corrects
// a lost link-down) and 5 s for a loaded host.
func takeoverLimit(settle time.Duration) time.Duration { return settle + 5*time.Second }

// peerStepBack is how long the peer is given to step back to BACKUP once
// the subject recovered: it does at the first advert of a higher priority
// (RFC 5798 §6.4.3), so three advertisement intervals, and a second for
// a loaded host.
func peerStepBack(advert time.Duration) time.Duration { return 3*advert + time.Second }

// A flap waits restAfterTransition after the subject's last state
// transition, then until no netlink message came for restQuiet (at most
// restLimit), before it takes the links down. The engine's and
// keepalived's address and route changes come within milliseconds of the
// transition: with this rest instead of a fixed second, keepalived's
// storms were message for message what they had been (results/FINDINGS.md,
// "Each flap as short as the kernel allows").
const (
	restAfterTransition = 50 * time.Millisecond
	restQuiet           = 100 * time.Millisecond
	restLimit           = 5 * time.Second
)

// lastInto is the time from since to the last transition into s at or
// after since.
func lastInto(ts []vrrp.Transition, since time.Time, s vrrp.State) time.Duration {
	var last time.Duration
	for _, t := range ts {
		if t.To == s && !t.At.Before(since) {
			last = max(last, t.At.Sub(since))
		}
	}
	return last
}

// recoveries is, per instance that became MASTER at or after since(its
// index), the time to its first such transition; instances for which
// since says false (not flapped) are left out.
func recoveries(ts []vrrp.Transition, since func(instance int) (time.Time, bool)) []time.Duration {
	first := map[int]time.Duration{}
	for _, t := range ts {
		from, ok := since(t.Instance)
		if !ok || t.To != vrrp.Master || t.At.Before(from) {
			continue
		}
		if _, seen := first[t.Instance]; !seen {
			first[t.Instance] = t.At.Sub(from)
		}
	}
	out := make([]time.Duration, 0, len(first))
	for _, d := range first {
		out = append(out, d)
	}
	return out
}
