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

// peakChecks is how many of a peaks sweep's flaps run at the buffer the
// others give: enough to catch a method that does not hold (a reader that
// reads otherwise near its buffer), not a confirmation series: the
// confidence rests on the peaks and on these flaps together.
const peakChecks = 3

// fromPeaks finds the smallest safe buffer from the queue's exact peaks,
// in sw.Confirm flaps. The first sw.Confirm-peakChecks run at the largest
// buffer, none of which may lose, and each gives its peak: the smallest
// effective buffer at which it would have lost nothing (the kernel queues
// a message while the queue with it fits the buffer; results/METHODS.md).
// The largest peak is the candidate, and those flaps give the loss curve.
// The last peakChecks flaps run at the candidate itself. If none loses,
// none of sw.Confirm flaps lost or would have lost there: P(loss) at the
// candidate is below the rule of three's bound for that many flaps, the
// statement the bisection's confirmation series makes. The checks' own
// peaks do not join the curve: at a small buffer the kernel slows the
// storm for a reader whose queue passes half of it, so they can run lower
// than at the large one. If a check loses, the row is bisected from the
// candidate up, and says why.
func (p *prober) fromPeaks(sw scenario.Sweep) (row Row, err error) {
	row.VRIDs, row.Method = p.vrids, scenario.SweepPeaks
	defer p.total(&row)
	checks := min(peakChecks, sw.Confirm-1)
	ok, err := p.probe(sw.RcvBufMax, sw.Confirm-checks, false)
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
	// Without checks (--confirm 1) the kernel's doubling is the effective
	// size; with them, what it granted.
	row.Smallest, row.SmallestEffective = size, int64(2*size)
	if checks > 0 {
		ok, err = p.probe(size, checks, true)
		if err != nil {
			return row, err
		}
		check := p.rep.Probes[len(p.rep.Probes)-1]
		row.Checked, row.SmallestEffective = &check.Loss, check.Effective
		if !ok {
			why := fmt.Sprintf("a check flap at %d (effective %d), the largest of %d peaks, lost messages or stranded instances", size, check.Effective, len(at.Peaks))
			slog.Warn("sweep: the peaks did not hold; bisecting from there", "vrids", p.vrids, "why", why)
			up := sw
			up.RcvBufMin = size
			b, err := p.smallest(up)
			b.Curve, b.Checked, b.Fallback = row.Curve, row.Checked, why
			return b, err
		}
	}
	row.Found = true
	row.Confirmed = stats.Binomial(0, at.Loss.N+checks)
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
