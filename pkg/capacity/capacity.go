// Package capacity plans receive buffers. For each VRID count of a sweep
// it opens one converged lab, flaps it at buffer after buffer (changing
// only the buffer between series of flaps), finds by bisection the
// smallest buffer that one flap passes, then confirms it with
// Sweep.Confirm consecutive loss-free flaps, moving up whenever a flap
// loses messages. It reports the observed loss rate at every buffer it
// probed, with its confidence, and recommends the larger of the measured
// bound and the whole-storm bound, plus a margin. It fits lines through
// the results so that users can extrapolate to counts they did not run.
//
// It builds nothing itself: labs are opened by the function it is given.
// Resolve reads a replayed keepalived.conf for its instance count.
package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
	"github.com/nlstress/nlstress/pkg/target"
)

// Lab is a converged lab that can be flapped again and again, with the
// monitor's buffer changed between flaps (stress.Session).
type Lab interface {
	// SetBuffer gives the monitor a forced buffer of size bytes and
	// returns what the kernel granted.
	SetBuffer(ctx context.Context, size bytesize.Size) (effective int64, err error)
	// Flap takes the links down and up once and measures it.
	Flap(ctx context.Context) (result.Flap, error)
	// Close removes the lab. An error wrapping result.ErrFinding is not an
	// error of the sweep.
	Close(ctx context.Context, err error) (result.Result, error)
}

// OpenFunc opens a lab for a scenario.
type OpenFunc func(context.Context, scenario.Scenario) (Lab, error)

// Probe is what the flaps at one buffer of one VRID count showed.
type Probe struct {
	VRIDs     int           `json:"vrids"`
	RcvBuf    bytesize.Size `json:"rcvbuf_bytes"`    // requested (forced); the kernel doubles it
	Effective int64         `json:"effective_bytes"` // what the kernel granted
	// Loss is the flaps that lost messages (kernel drops) of the flaps
	// run; Stuck those after which instances stayed out of MASTER.
	Loss  stats.Rate `json:"loss"`
	Stuck stats.Rate `json:"stuck"`
	Drops uint64     `json:"drops"`
	// Storm is the largest storm truesize seen at this buffer.
	Storm uint64 `json:"storm_bytes"`
	// Peaks are the flaps' exact queue peaks (result.Flap.ExactPeak), in
	// flap order, for the flaps whose queue was read in the kernel.
	Peaks []uint64 `json:"peaks,omitempty"`
	// StartFailed says why the daemon could not run at this buffer at
	// all (it died of an overrun while starting, or never brought its
	// instances up): a lost probe with no flap. Empty otherwise.
	StartFailed string `json:"start_failed,omitempty"`
}

// Row is the answer for one VRID count.
type Row struct {
	VRIDs int `json:"vrids"`
	// Found is false when even the sweep's largest buffer lost messages.
	Found bool `json:"found"`
	// Smallest is the smallest request after which Confirmed flaps in a
	// row lost nothing (the measured bound); SmallestEffective is what the
	// kernel granted. Confirmed bounds the loss probability there.
	Smallest          bytesize.Size `json:"smallest_bytes"`
	SmallestEffective int64         `json:"smallest_effective_bytes"`
	Confirmed         stats.Rate    `json:"confirmed"`
	// Confirmations is how many confirmation series ran, the last one
	// the one that passed; ProcedureAtMost bounds, at 95 % for the sweep
	// as a whole, the loss probability at the buffer it reports
	// (Confirmed.AtMost holds for that one buffer tested alone, not for a
	// procedure that confirms the first of several candidates to pass).
	Confirmations   int     `json:"confirmations"`
	ProcedureAtMost float64 `json:"procedure_at_most_95"`
	// AtMax is the loss rate measured at the sweep's largest buffer when
	// its first flap there lost messages: a series of Sweep.Confirm flaps,
	// so that "none up to the maximum" rests on a rate, not one flap.
	AtMax *stats.Rate `json:"at_max,omitempty"`
	// Storm is the largest storm truesize the oracle saw at this count:
	// an effective buffer that holds it whole loses nothing however slow
	// the reader (the whole-storm bound).
	Storm uint64 `json:"storm_bytes"`
	// Bound says which bound the recommendation rests on: "whole storm"
	// or "measured".
	Bound string `json:"bound"`
	// Recommended is the larger bound with the margin, as the request to
	// configure (the kernel doubles it), rounded up to 4 KiB.
	Recommended bytesize.Size `json:"recommended_bytes"`
	// Paste is where the daemon under test sets it, and the lines.
	Paste target.Paste `json:"paste"`
	Flaps int          `json:"flaps"`
	// Method is how the row was found: scenario.SweepBisect, or
	// scenario.SweepPeaks with Curve and Checked.
	Method string `json:"method"`
	// Curve is the loss curve the exact peaks give: at each effective
	// buffer equal to a flap's peak, the flaps whose peak passed it.
	Curve []Point `json:"curve,omitempty"`
	// Checked is what the flaps at the smallest buffer none of the peaks
	// passed showed: the method's check (it stops at a lossy flap).
	Checked *stats.Rate `json:"checked,omitempty"`
	// Fallback says why the peaks method gave way to bisection.
	Fallback string `json:"fallback,omitempty"`
	// Cycles is how long the row's flaps took, and how much of that was
	// nlstress's own waiting.
	Cycles result.Cycles `json:"cycles"`
	// AfterLoss is what the daemon did after the row's flaps that lost
	// messages; nil when none lost.
	AfterLoss *AfterLoss `json:"after_loss,omitempty"`
}

// AfterLoss is the second answer a sweep gives: what losing messages cost
// the daemon. A daemon that resyncs (BIRD rescans) gets its view right
// again after a loss, late; one that does not (keepalived, zebra) keeps a
// wrong one. If no lossy flap stranded anything, a buffer that loses is
// an option for a user who accepts the view being stale for Longest.
type AfterLoss struct {
	// Flaps is how many flaps lost messages (at any buffer), Stuck how
	// many of them left an instance wrong (out of MASTER, not in FAULT,
	// or a link believed in the wrong state) when the run's limit ran out,
	// or the daemon dead.
	Flaps int `json:"flaps"`
	Stuck int `json:"stuck"`
	// Smallest is the smallest effective buffer a lossy flap ran at.
	Smallest int64 `json:"smallest_effective_bytes"`
	// Longest is, over the lossy flaps that stranded nothing, the longest
	// time from a link change to the last instance right again: link
	// down to its last FAULT, or link up to its last MASTER.
	Longest time.Duration `json:"longest_ns"`
}

// add counts one lossy flap at an effective buffer.
func (a *AfterLoss) add(f result.Flap, effective int64) {
	if a.Flaps == 0 || effective < a.Smallest {
		a.Smallest = effective
	}
	a.Flaps++
	if len(f.Stuck) > 0 || f.NotFault > 0 || len(f.Exited) > 0 {
		a.Stuck++
		return
	}
	a.Longest = max(a.Longest, f.AllFault, f.Recovery.Max)
}

// Point is one point of a loss curve: the flaps that would have lost at
// an effective buffer.
type Point struct {
	Effective int64      `json:"effective_bytes"`
	Loss      stats.Rate `json:"loss"`
}

// Fit is a line y = A + B × VRIDs.
type Fit struct {
	A float64 `json:"a"`
	B float64 `json:"b"`
}

// At is the line's value at n VRIDs.
func (f Fit) At(n int) float64 { return f.A + f.B*float64(n) }

// Report is a sweep's outcome.
type Report struct {
	SchemaVersion int               `json:"schema_version"`
	Scenario      scenario.Scenario `json:"scenario"`
	Sweep         scenario.Sweep    `json:"sweep"`
	Rows          []Row             `json:"rows"`
	// Probes are the buffers probed, per VRID count, in the order probed.
	Probes []Probe `json:"probes"`
	// SafeFit fits the smallest safe effective buffer (bytes) to VRIDs;
	// StormFit fits the oracle's storm truesize. Their slopes are bytes
	// per VRID per link transition.
	SafeFit  Fit `json:"safe_fit"`
	StormFit Fit `json:"storm_fit"`
	// Host is the machine the sweep ran on, Started when: the conditions
	// a chart's caption states.
	Host    result.Host `json:"host"`
	Started time.Time   `json:"started"`
	// Interrupted says the sweep was stopped (a signal): AfterFlaps of
	// the estimated Of were flapped; Rows are the VRID counts finished,
	// Probes every flap's buffer, the count in progress's included.
	Interrupted *result.Interrupted `json:"interrupted,omitempty"`
}

// Progress is told after every flap: flaps done so far, the estimated
// total, and the probe the flap belongs to.
type Progress func(done, total int, p Probe)

// bisectTolerance is how close bisection brings the two bounds, as a
// fraction of the lower one, before the confirmation series takes over:
// 5 %, finer than the flap-to-flap spread of a storm near the threshold.
// bisectFloor is the absolute closeness at which it stops whatever the
// fraction: one page of the socket's memory.
const (
	bisectTolerance = 0.05
	bisectFloor     = bytesize.KiB
)

// resolved says bisection is close enough: within bisectTolerance or
// bisectFloor.
func resolved(lo, hi bytesize.Size) bool {
	return hi-lo <= bisectFloor || float64(hi) <= float64(lo)*(1+bisectTolerance)
}

// Estimate is the number of flaps a sweep is expected to take: per VRID
// count, sw.Confirm for the peaks method; for bisection the two ends, the
// steps down to bisectTolerance, and the confirmation series.
func Estimate(sw scenario.Sweep) int {
	if sw.Method == scenario.SweepPeaks {
		return len(sw.VRIDs) * sw.Confirm
	}
	steps := int(math.Ceil(math.Log2(float64(sw.RcvBufMax)/float64(sw.RcvBufMin)/bisectTolerance))) + 1
	return len(sw.VRIDs) * (2 + steps + sw.Confirm)
}

// Resolve fits a sweep to its base scenario: a replayed keepalived
// configuration has one instance count, its own, which replaces sw.VRIDs.
func Resolve(base scenario.Scenario, sw scenario.Sweep) (scenario.Sweep, error) {
	if base.KeepalivedConf == "" {
		return sw, nil
	}
	c, err := kaconf.Read(base.KeepalivedConf, kaconf.Options{ConfigID: base.ConfigID})
	if err != nil {
		return sw, err
	}
	sw.VRIDs = []int{len(c.Instances)}
	return sw, nil
}

// Sweep finds the smallest safe buffer for each VRID count of sw, in a lab
// of base (with VRIDs set) opened through open.
func Sweep(ctx context.Context, base scenario.Scenario, sw scenario.Sweep, open OpenFunc, progress Progress) (Report, error) {
	sw, err := Resolve(base, sw)
	if err != nil {
		return Report{}, err
	}
	if err := sw.Validate(); err != nil {
		return Report{}, err
	}
	if sw.Method == scenario.SweepPeaks && base.NoExactPeak {
		return Report{}, fmt.Errorf("%w: sweep --method peaks reads the queue's peak in the kernel: it cannot go with --no-exact-peak", scenario.ErrInvalid)
	}
	if target.Of(base.Target).OwnBuffer {
		// Checked before any lab is built: nothing half-done.
		return Report{}, fmt.Errorf("%w: sweep --target %s: the daemon sets its own buffer, which a sweep cannot change between flaps", scenario.ErrInvalid, base.Target)
	}
	// A sweep measures storms, which the peer's takeover does not change:
	// unless told otherwise its flaps do not wait for it.
	base.DownUntil = base.DownUntil.Or(scenario.DownUntilFault)
	rep := Report{SchemaVersion: result.SchemaVersion, Scenario: base, Sweep: sw, Started: time.Now().UTC()}
	total, done := Estimate(sw), 0
	for _, n := range sw.VRIDs {
		sc := base
		sc.VRIDs, sc.KeepLab, sc.Flaps = n, false, 1
		l, err := open(ctx, sc)
		if err != nil {
			return rep, fmt.Errorf("sweep: %d VRIDs: %w", n, err)
		}
		p := &prober{ctx: ctx, lab: l, vrids: n, rep: &rep, tell: func(pr Probe) {
			done++
			total = max(total, done)
			if progress != nil {
				progress(done, total, pr)
			}
		}}
		find := p.smallest
		if sw.Method == scenario.SweepPeaks {
			find = p.fromPeaks
		}
		row, err := find(sw)
		if ctx.Err() != nil {
			rep.Interrupted = &result.Interrupted{By: result.StoppedBy(ctx), AfterFlaps: done, Of: total, Discarded: true}
		}
		res, cerr := l.Close(ctx, err)
		if rep.Host.Kernel == "" {
			rep.Host = res.Host
		}
		if cerr != nil && !errors.Is(cerr, result.ErrFinding) {
			return rep, fmt.Errorf("sweep: %d VRIDs: %w", n, cerr)
		}
		if err != nil {
			return rep, fmt.Errorf("sweep: %d VRIDs: %w", n, err)
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.SafeFit, rep.StormFit = fits(rep.Rows)
	return rep, nil
}

// prober flaps one lab at one buffer after another.
type prober struct {
	ctx   context.Context
	lab   Lab
	vrids int
	rep   *Report
	tell  func(Probe)
	// storm is the largest storm truesize seen so far.
	storm uint64
	flaps int
	// timed are the flaps' times (only those), for the row's Cycles.
	timed []result.Flap
	// afterLoss follows the lossy flaps.
	afterLoss AfterLoss
}

// probe flaps the lab at size up to flaps times, stopping at the first
// flap that lost messages or left instances stuck when untilLoss (else
// running them all, to measure a rate). It records the probe and reports
// whether every flap was clean.
func (p *prober) probe(size bytesize.Size, flaps int, untilLoss bool) (bool, error) {
	eff, err := p.lab.SetBuffer(p.ctx, size)
	if errors.Is(err, result.ErrFinding) {
		// The daemon could not take this buffer at all: it died of an
		// overrun while starting, or never brought its instances up
		// (FRR's zebra at a small --nl-bufsize). A failed probe, not a
		// failed sweep: the next size restarts it.
		pr := Probe{VRIDs: p.vrids, RcvBuf: size, Loss: stats.Binomial(1, 1), Stuck: stats.Binomial(1, 1), StartFailed: err.Error()}
		p.tell(pr)
		p.rep.Probes = append(p.rep.Probes, pr)
		return false, nil
	}
	if err != nil {
		return false, err
	}
	pr := Probe{VRIDs: p.vrids, RcvBuf: size, Effective: eff}
	lossy, stuck := 0, 0
	for i := 1; i <= flaps; i++ {
		f, err := p.lab.Flap(p.ctx)
		if err != nil {
			return false, err
		}
		p.flaps++
		p.timed = append(p.timed, result.Flap{DownAt: f.DownAt, UpAt: f.UpAt, Cycle: f.Cycle, Recovery: f.Recovery})
		drops := f.Down.Drops + f.Up.Drops
		pr.Drops += drops
		pr.Storm = max(pr.Storm, f.Down.Storm.FlapTruesize(), f.Up.Storm.FlapTruesize())
		if peak, ok := f.ExactPeak(); ok {
			pr.Peaks = append(pr.Peaks, peak)
		}
		if drops > 0 || len(f.Exited) > 0 {
			lossy++ // a daemon that died of the storm lost it
			p.afterLoss.add(f, eff)
		}
		if len(f.Stuck) > 0 {
			stuck++
		}
		pr.Loss, pr.Stuck = stats.Binomial(lossy, i), stats.Binomial(stuck, i)
		p.tell(pr)
		if untilLoss && lossy+stuck > 0 {
			break
		}
	}
	p.storm = max(p.storm, pr.Storm)
	p.rep.Probes = append(p.rep.Probes, pr)
	return lossy+stuck == 0, nil
}

// total fills in what the row's flaps came to: how many, the largest
// storm, how long they took.
func (p *prober) total(row *Row) {
	row.Flaps, row.Storm, row.Cycles = p.flaps, p.storm, result.CyclesOf(p.timed)
	if p.afterLoss.Flaps > 0 {
		a := p.afterLoss
		row.AfterLoss = &a
	}
}

// smallest bisects one VRID count with one flap per buffer, then confirms
// the smallest clean buffer with sw.Confirm flaps in a row.
func (p *prober) smallest(sw scenario.Sweep) (row Row, err error) {
	row.VRIDs, row.Method = p.vrids, scenario.SweepBisect
	defer p.total(&row)
	lo, hi := sw.RcvBufMin, sw.RcvBufMax
	ok, err := p.probe(hi, 1, true)
	if err != nil {
		return row, err
	}
	if !ok {
		// Not found within the bounds: how often the largest buffer
		// loses, from a series, not from the one flap.
		if sw.Confirm > 1 {
			if _, err := p.probe(hi, sw.Confirm, false); err != nil {
				return row, err
			}
		}
		at := p.rep.Probes[len(p.rep.Probes)-1].Loss
		row.AtMax = &at
		return row, nil
	}
	passing := []bytesize.Size{hi}
	// A buffer that holds the whole storm always suffices: the kernel
	// doubles the request, so half the storm's truesize, with 10 % for
	// storms that vary, bounds the search from above.
	if bound := stormRequest(p.storm, 0.10); bound > lo && bound < hi {
		if ok, err := p.probe(bound, 1, true); err != nil {
			return row, err
		} else if ok {
			hi = bound
			passing = append(passing, bound)
		}
	}
	if ok, err = p.probe(lo, 1, true); err != nil {
		return row, err
	} else if ok {
		hi = lo
	}
	for {
		for !resolved(lo, hi) && lo != hi {
			mid := (lo + hi) / 2 / 256 * 256
			if mid <= lo || mid >= hi {
				break
			}
			ok, err := p.probe(mid, 1, true)
			if err != nil {
				return row, err
			}
			if ok {
				hi = mid
				passing = append(passing, mid)
			} else {
				lo = mid
			}
		}
		// Confirm: sw.Confirm flaps in a row at hi must lose nothing.
		ok, err := p.probe(hi, sw.Confirm, true)
		if err != nil {
			return row, err
		}
		row.Confirmations++
		if ok {
			break
		}
		// A lucky pass: hi is not safe. Search above it, up to the
		// smallest larger buffer that passed.
		lo = hi
		slices.Sort(passing)
		next := sw.RcvBufMax
		for _, b := range passing {
			if b > lo {
				next = b
				break
			}
		}
		if next <= lo {
			// The largest buffer failed its series: its rate is the answer.
			at := p.rep.Probes[len(p.rep.Probes)-1].Loss
			row.AtMax = &at
			return row, nil
		}
		hi = next
	}
	row.Found, row.Smallest, row.SmallestEffective = true, hi, p.rep.Probes[len(p.rep.Probes)-1].Effective
	row.Confirmed = stats.Binomial(0, sw.Confirm)
	row.ProcedureAtMost = ProcedureAtMost(sw.Confirm, row.Confirmations)
	p.recommend(&row, sw.Margin)
	return row, nil
}

// recommend gives a found row its recommendation: the larger of its
// measured bound and the largest storm, with margin, and its lines.
func (p *prober) recommend(row *Row, margin float64) {
	var rec result.Recommendation
	row.Bound, rec = recommend(row.SmallestEffective, p.storm, margin, target.Of(p.rep.Scenario.Target).Paste)
	row.Recommended, row.Paste = bytesize.Size(rec.Request), rec.Paste
}

// ProcedureAtMost is the loss probability that n clean flaps in a row
// bound at the buffer a sweep reports, with 95 % confidence for the sweep
// as a whole, when the i-th confirmation series (from 1) was the one that
// passed. A sweep confirms candidate after candidate until one passes;
// series i is held to 5 % / 2^i, so that all of them together err at most
// 5 % (the halves sum to less than one): 1 - (0.05/2^i)^(1/n). For 30
// flaps: 11.6 % when the first series passed, 13.6 % the second, 15.6 %
// the third, against 9.5 % for one buffer tested alone.
func ProcedureAtMost(n, i int) float64 {
	if n <= 0 || i <= 0 {
		return 1
	}
	return 1 - math.Pow((1-stats.Confidence)/math.Pow(2, float64(i)), 1/float64(n))
}

// stormRequest is the request whose doubled buffer holds a storm of
// truesize bytes whole, with margin on top.
func stormRequest(truesize uint64, margin float64) bytesize.Size {
	return bytesize.Size(float64(truesize) / 2 * (1 + margin))
}

// recommend is the larger of the measured bound (an effective buffer)
// and the whole-storm bound, with the margin (the request rounded up to 4
// KiB, and its keepalived lines), and which bound it rests on.
func recommend(measured int64, storm uint64, margin float64, paste func(int64) target.Paste) (string, result.Recommendation) {
	bound, need := "measured", float64(measured)
	if float64(storm) >= need {
		bound, need = "whole storm", float64(storm)
	}
	return bound, result.Recommend(uint64(need), margin, 0, paste)
}

// fits fits the safe buffers and the storms to VRIDs by least squares.
func fits(rows []Row) (safe, storm Fit) {
	var xs, ys, ss []float64
	for _, r := range rows {
		if r.Found {
			xs = append(xs, float64(r.VRIDs))
			ys = append(ys, float64(r.SmallestEffective))
			ss = append(ss, float64(r.Storm))
		}
	}
	return LeastSquares(xs, ys), LeastSquares(xs, ss)
}

// LeastSquares fits y = A + B x. With one point it is a line through the
// origin and the point; with none, zero.
func LeastSquares(xs, ys []float64) Fit {
	n := float64(len(xs))
	switch len(xs) {
	case 0:
		return Fit{}
	case 1:
		if xs[0] == 0 {
			return Fit{A: ys[0]}
		}
		return Fit{B: ys[0] / xs[0]}
	}
	var sx, sy, sxx, sxy float64
	for i := range xs {
		sx += xs[i]
		sy += ys[i]
		sxx += xs[i] * xs[i]
		sxy += xs[i] * ys[i]
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return Fit{A: sy / n}
	}
	b := (n*sxy - sx*sy) / d
	return Fit{A: (sy - b*sx) / n, B: b}
}

// Compare runs the same sweep on each target in turn (the scenario's own
// target is replaced) and returns the reports by target, for a side by side
// table. It stops at the first sweep that fails.
func Compare(ctx context.Context, base scenario.Scenario, sw scenario.Sweep, targets []scenario.Target, open OpenFunc, progress Progress) (map[scenario.Target]Report, error) {
	reps := make(map[scenario.Target]Report, len(targets))
	// Every target's scenario is checked before the first lab is built.
	for _, target := range targets {
		sc := base
		sc.Target = target
		if err := sc.Validate(); err != nil {
			return nil, fmt.Errorf("sweep --compare, target %s: %w", target, err)
		}
	}
	for _, target := range targets {
		sc := base
		sc.Target = target
		rep, err := Sweep(ctx, sc, sw, open, progress)
		if err != nil {
			return nil, fmt.Errorf("sweep --compare, target %s: %w", target, err)
		}
		reps[target] = rep
	}
	return reps, nil
}
