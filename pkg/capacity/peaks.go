package capacity

import (
	"fmt"
	"log/slog"
	"slices"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

// peakChecks is how many flaps check the buffer the peaks give: enough
// to catch a method that does not hold (a reader that reads otherwise
// near its buffer), not a confirmation series: the confidence rests on
// the peaks.
const peakChecks = 3

// fromPeaks finds the smallest safe buffer from the queue's exact peaks:
// sw.Confirm flaps at the largest buffer, none of which may lose, give
// each flap's peak, the smallest effective buffer at which it would have
// lost nothing (the kernel queues a message while the queue with it fits
// the buffer; results/METHODS.md). The largest peak is then the smallest
// buffer that none of sw.Confirm flaps would have lost at: P(loss) there
// is below the rule of three's bound for that many flaps, the same
// statement the bisection's confirmation series makes. A few flaps at that
// buffer check the method; if one loses, the row is bisected from there
// up, and says why.
func (p *prober) fromPeaks(sw scenario.Sweep) (row Row, err error) {
	row.VRIDs, row.Method = p.vrids, scenario.SweepPeaks
	defer p.total(&row)
	ok, err := p.probe(sw.RcvBufMax, sw.Confirm, false)
	if err != nil {
		return row, err
	}
	at := p.rep.Probes[len(p.rep.Probes)-1]
	if !ok {
		row.AtMax = &at.Loss
		return row, nil
	}
	if len(at.Peaks) != at.Loss.N {
		return row, fmt.Errorf("%w: sweep --method peaks: the queue's peak was read in the kernel for %d of %d flaps (the run's log says why); --method bisect needs no peaks",
			result.ErrFinding, len(at.Peaks), at.Loss.N)
	}
	row.Curve = curve(at.Peaks)
	bound := slices.Max(at.Peaks)
	size := bytesize.Size((bound + 1) / 2) // the kernel doubles the request
	ok, err = p.probe(size, peakChecks, true)
	if err != nil {
		return row, err
	}
	check := p.rep.Probes[len(p.rep.Probes)-1]
	row.Checked = &check.Loss
	if !ok {
		why := fmt.Sprintf("a check flap at %d (effective %d), the largest of %d peaks, lost messages or stranded instances", size, check.Effective, len(at.Peaks))
		slog.Warn("sweep: the peaks did not hold; bisecting from there", "vrids", p.vrids, "why", why)
		up := sw
		up.RcvBufMin = size
		b, err := p.smallest(up)
		b.Curve, b.Checked, b.Fallback = row.Curve, row.Checked, why
		return b, err
	}
	row.Found, row.Smallest, row.SmallestEffective = true, size, check.Effective
	row.Confirmed = stats.Binomial(0, len(at.Peaks))
	row.Confirmations, row.ProcedureAtMost = 1, row.Confirmed.AtMost
	p.recommend(&row, sw.Margin)
	return row, nil
}

// curve is the loss curve of peaks: at each distinct peak, as an
// effective buffer, how many of the flaps peaked above it.
func curve(peaks []uint64) []Point {
	sorted := slices.Clone(peaks)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	out := make([]Point, 0, len(sorted))
	for _, b := range sorted {
		over := 0
		for _, pk := range peaks {
			if pk > b {
				over++
			}
		}
		out = append(out, Point{Effective: int64(b), Loss: stats.Binomial(over, len(peaks))})
	}
	return out
}
