package stress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// linkwatchQuantum is how long the default flap keeps a link down at
// least. The kernel's linkwatch applies carrier and operstate changes
// (IFF_RUNNING, and a VMAC following its parent) in at most one batch per
// second, and a batch can be pushed back by later events: an "up" too soon
// after the "down" waited for a later batch, which made recovery times
// bimodal (0.33 s or 0.9 to 1.2 s at 100 ms adverts; measured with
// --down-for 0, 2s and 3s). Two seconds down kept every flap at the
// protocol's own time. The first flap waits as long after the lab was
// built.
const linkwatchQuantum = 2 * time.Second

// holdUntil waits until t or until ctx ends: a deliberate hold of the
// link's state, not a wait for something to happen.
func (r *runner) holdUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// errProbeFailed stops a probe run at its first loss.
var errProbeFailed = errors.New("probe: loss seen")

// quiesceTimeout bounds the wait for the monitor to read or lose all that
// the kernel queued for it.
const quiesceTimeout = 2 * time.Minute

// measure converges the routers, flaps the subject's links sc.Flaps times
// and fills in res.
func (r *runner) measure(ctx context.Context, res *result.Result) error {
	sc := r.sc
	res.Monitor = r.describeMonitor()
	t0 := time.Now()
	if err := r.converge(ctx); err != nil {
		return err
	}
	converged := time.Since(t0)
	slog.Info("converged", "subject", "all MASTER", "peer", "all BACKUP", "took", converged.Round(time.Millisecond))
	if err := r.quiesce(ctx); err != nil {
		return err
	}
	if !sc.Probe {
		r.holdUntil(ctx, r.built.Add(linkwatchQuantum))
	}
	mark, _, err := r.boundary(ctx) // start counting from a quiet namespace
	if err != nil {
		return err
	}
	var recovered []time.Duration
	for k := 1; k <= sc.Flaps; k++ {
		f, rec, err := r.flap(ctx, k, &mark)
		if errors.Is(err, errProbeFailed) {
			res.Flaps = append(res.Flaps, f)
			break // a probe stops at the first loss: the verdict is known
		}
		if err != nil {
			return fmt.Errorf("flap %d: %w", k, err)
		}
		res.Flaps = append(res.Flaps, f)
		recovered = append(recovered, rec...)
		slog.Info("flap done", "flap", k, "stuck", len(f.Stuck), "storm", f.Down.Storm.Messages+f.Up.Storm.Messages,
			"drops", f.Down.Drops+f.Up.Drops, "enobufs", f.Down.ENOBUFS+f.Up.ENOBUFS, "recovery_p95", f.Recovery.P95.Round(time.Millisecond))
	}
	if err := r.failed(); err != nil {
		return err
	}
	totals := result.Total(res.Flaps, recovered, len(r.lab.Instances))
	totals.Converged = converged
	res.Totals = &totals
	res.Monitor = r.describeMonitor() // again: the policy's work is counted now
	rec := result.Recommend(totals.LargestStorm, result.DefaultMargin, res.Monitor.Effective)
	res.Recommendation = &rec
	v := result.Judge(totals, res.Flaps, *res.Monitor)
	res.Verdict = &v
	return nil
}

// converge waits for the starting position: subject all MASTER (priority
// 200 preempts), peer all BACKUP. The first 2 Master_Down_Intervals + 10 s
// are always given; after that it waits as long as instances keep
// arriving (waitProgress).
func (r *runner) converge(ctx context.Context) error {
	mdi := r.sc.MasterDownInterval(peerPriority)
	limit, quiet := 2*mdi+10*time.Second, quietPeriod(mdi)
	t0 := time.Now()
	if err := waitProgress(ctx, r.subject, vrrp.Master, limit, quiet); err != nil {
		return fmt.Errorf("%w: nothing moved for %v after %v: %w", ErrNotConverged, quiet, time.Since(t0).Round(time.Millisecond), err)
	}
	if err := waitProgress(ctx, r.peer, vrrp.Backup, limit, quiet); err != nil {
		return fmt.Errorf("%w: nothing moved for %v after %v: %w", ErrNotConverged, quiet, time.Since(t0).Round(time.Millisecond), err)
	}
	return nil
}

// quiesce waits until the monitor has read, or the kernel has dropped,
// everything queued for it: two idle readings in a row.
func (r *runner) quiesce(ctx context.Context) error {
	deadline := time.Now().Add(quiesceTimeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	streak := 0
	for streak < 2 {
		idle, err := r.monitor.idle()
		if err != nil {
			return fmt.Errorf("monitor: %w", err)
		}
		if idle {
			streak++
		} else {
			streak = 0
		}
		if err := r.failed(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("monitor still busy after %v (consumer cost %v too high?)", quiesceTimeout, r.sc.ConsumerCost)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// phase closes a phase: what the oracle saw since the last mark, and what
// the monitor received and lost.
func (r *runner) phase(ctx context.Context, m *counterMark) (result.Phase, error) {
	now, storm, err := r.boundary(ctx)
	if err != nil {
		return result.Phase{}, err
	}
	p := result.Phase{
		Storm:     stormResult(storm),
		Received:  now.received - m.received,
		ENOBUFS:   now.enobufs - m.enobufs,
		Drops:     now.drops - m.drops,
		PeakQueue: uint64(r.sampler.HighWater()),
	}
	if r.monitor.inferred() {
		// The daemon's reads are not visible: what it received is what
		// the kernel sent less what it dropped.
		// Its books cannot be checked (Balanced stays nil).
		p.Received, p.Inferred = p.Storm.Messages-min(p.Drops, p.Storm.Messages), true
	} else {
		p.Balanced = result.Bool(p.Storm.Messages == p.Received+p.Drops)
	}
	r.sampler.ResetHighWater()
	*m = now
	return p, nil
}

// boundary closes a measuring window so that the oracle and the monitor
// count the same messages. It collects the oracle and waits until the
// monitor has read or lost everything queued; then, for nlstress's own
// monitor, it sends a marker through the kernel and waits until the
// monitor has read it: everything before the marker is then counted by
// the reader itself, so its counters and the oracle's drain up to the
// same marker cover exactly the same messages (the monitor takes its
// counters on its own thread as it reads the marker). A marker lost to a
// congested socket is sent again. An external daemon's reads are not
// visible (its received is inferred): for it the window closes on the
// kernel's queue being empty, collecting again while late messages
// arrive.
func (r *runner) boundary(ctx context.Context) (counterMark, nlmon.Storm, error) {
	storm, err := r.oracle.Collect()
	if err != nil {
		return counterMark{}, storm, err
	}
	if r.marker == nil {
		return r.boundaryByQueue(ctx, storm)
	}
	for attempt := 1; ; attempt++ {
		if err := r.quiesce(ctx); err != nil {
			return counterMark{}, storm, err
		}
		k, err := r.marker.Send()
		if err != nil {
			return counterMark{}, storm, err
		}
		wctx, cancel := context.WithTimeout(ctx, markerWait)
		m, err := r.monitor.waitMarker(wctx, k)
		cancel()
		if err != nil && attempt < markerAttempts && ctx.Err() == nil {
			slog.Debug("marker not read; sending another", "marker", k, "err", err)
			continue
		}
		if err != nil {
			return counterMark{}, storm, fmt.Errorf("close the measuring window: %w", err)
		}
		rest, err := r.oracle.CollectUntil(k)
		if err != nil {
			return m, storm, err
		}
		storm.Add(rest)
		return m, storm, nil
	}
}

// How long a marker may take to be read, and how many are sent before
// the window is given up.
const (
	markerWait     = 10 * time.Second
	markerAttempts = 3
)

// boundaryByQueue closes a window for a monitor whose reads are not
// visible: wait until its queue is empty, read its counters, and collect
// the oracle again; while that collection finds messages (they arrived
// during the boundary), add them and go round again.
func (r *runner) boundaryByQueue(ctx context.Context, storm nlmon.Storm) (counterMark, nlmon.Storm, error) {
	for {
		if err := r.quiesce(ctx); err != nil {
			return counterMark{}, storm, err
		}
		m, err := r.monitor.mark()
		if err != nil {
			return m, storm, err
		}
		extra, err := r.oracle.Collect()
		if err != nil {
			return m, storm, err
		}
		if extra.Messages == 0 {
			return m, storm, nil
		}
		storm.Add(extra)
	}
}

func stormResult(s nlmon.Storm) result.Storm {
	return result.Storm{Messages: s.Messages, Bytes: s.Bytes, Truesize: s.Truesize, ByType: s.ByType, OracleDrops: uint64(s.OracleDrops)}
}

// setLinks sets every subject interface down or up.
func (r *runner) setLinks(up bool) error {
	for _, ifc := range r.lab.Interfaces {
		if err := lab.SetLink(r.lab.Subject.Conn, ifc.Index, up); err != nil {
			return fmt.Errorf("set %s up=%v: %w", ifc.Name, up, err)
		}
	}
	return nil
}

// flap takes the subject's links down and up once and measures both
// transitions. It returns the flap and the per-instance recovery times.
func (r *runner) flap(ctx context.Context, k int, m *counterMark) (result.Flap, []time.Duration, error) {
	sc := r.sc
	f := result.Flap{Index: k}

	// Down: every subject instance should go FAULT, the peer take over.
	f.DownAt = time.Now()
	if err := r.setLinks(false); err != nil {
		return f, nil, err
	}
	mdi := sc.MasterDownInterval(peerPriority)
	if sc.DownFor == 0 {
		// Until all FAULT and the peer took over, however long a big lab
		// takes, as long as it keeps moving.
		_ = waitProgress(ctx, r.subject, vrrp.Fault, mdi+5*time.Second, quietPeriod(mdi))
		_ = waitProgress(ctx, r.peer, vrrp.Master, mdi+5*time.Second, quietPeriod(mdi))
	} else {
		dctx, cancel := context.WithDeadline(ctx, f.DownAt.Add(sc.DownFor))
		_ = r.subject.WaitAll(dctx, vrrp.Fault)
		_ = r.peer.WaitAll(dctx, vrrp.Master)
		cancel()
	}
	if sc.DownFor > 0 {
		r.holdUntil(ctx, f.DownAt.Add(sc.DownFor)) // exactly --down-for
	} else if !sc.Probe {
		r.holdUntil(ctx, f.DownAt.Add(linkwatchQuantum))
	}
	if err := ctx.Err(); err != nil {
		return f, nil, err
	}
	f.NotFault = countNot(r.subject.States(), vrrp.Fault)
	f.PeerNotMaster = countNot(r.peer.States(), vrrp.Master)
	if f.NotFault == 0 {
		f.AllFault = lastInto(r.subject.Transitions(), f.DownAt, vrrp.Fault)
	}
	if f.PeerNotMaster == 0 {
		f.PeerTakeover = lastInto(r.peer.Transitions(), f.DownAt, vrrp.Master)
	}
	var err error
	if f.Down, err = r.phase(ctx, m); err != nil {
		return f, nil, err
	}
	slog.Info("link down", "flap", k, "all_fault", f.AllFault.Round(time.Millisecond), "not_fault", f.NotFault,
		"peer_takeover", f.PeerTakeover.Round(time.Millisecond), "storm", f.Down.Storm.Messages, "drops", f.Down.Drops)
	if sc.Probe && f.Down.Drops > 0 {
		return f, nil, errProbeFailed
	}

	// Up: every subject instance should see the link and preempt back.
	f.UpAt = time.Now()
	if err := r.setLinks(true); err != nil {
		return f, nil, err
	}
	if sc.RecoveryTimeout > 0 {
		// The user's own limit is a hard one.
		uctx, cancel := context.WithDeadline(ctx, f.UpAt.Add(sc.RecoveryTimeout))
		_ = r.subject.WaitAll(uctx, vrrp.Master)
		cancel()
	} else {
		// Stuck means nothing moved for a quiet period, not slow.
		_ = waitProgress(ctx, r.subject, vrrp.Master, sc.Recovery(), quietPeriod(mdi))
	}
	if err := ctx.Err(); err != nil {
		return f, nil, err
	}
	// The peer steps back at the first advert of each recovered instance;
	// give it a few intervals, then read what it heard on the wire.
	pctx, cancel := context.WithTimeout(ctx, 3*sc.AdvertInterval+time.Second)
	_ = r.peer.WaitAll(pctx, vrrp.Backup)
	cancel()
	for _, h := range r.peer.Heard() {
		if !h.At.Before(f.UpAt) && h.Priority == subjectPriority {
			f.Advertising++
		}
	}
	rec := recoveries(r.subject.Transitions(), f.UpAt)
	f.Recovery = result.Summarize(rec)
	for i, s := range r.subject.States() {
		if s != vrrp.Master {
			in := r.lab.Instances[i]
			f.Stuck = append(f.Stuck, result.Instance{VRID: in.VRID, Interface: r.lab.Interfaces[in.Interface].Name, State: s.String()})
		}
	}
	if f.Up, err = r.phase(ctx, m); err != nil {
		return f, nil, err
	}
	slog.Info("link up", "flap", k, "recovered", len(rec), "stuck", len(f.Stuck), "p95", f.Recovery.P95.Round(time.Millisecond),
		"storm", f.Up.Storm.Messages, "drops", f.Up.Drops)
	return f, rec, nil
}

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

// recoveries is, per instance that became MASTER at or after since, the
// time to its first such transition.
func recoveries(ts []vrrp.Transition, since time.Time) []time.Duration {
	first := map[int]time.Duration{}
	for _, t := range ts {
		if t.To != vrrp.Master || t.At.Before(since) {
			continue
		}
		if _, seen := first[t.Instance]; !seen {
			first[t.Instance] = t.At.Sub(since)
		}
	}
	out := make([]time.Duration, 0, len(first))
	for _, d := range first {
		out = append(out, d)
	}
	return out
}
