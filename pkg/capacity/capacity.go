// Package capacity plans receive buffers: for each VRID count of a sweep it
// finds, by bisection over real runs, the smallest monitor buffer with zero
// loss and full recovery, confirms it with repeats, adds a margin, and fits
// a line through the results so users can extrapolate to counts they did
// not run. It is pure: runs are done by the function it is given.
package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// RunFunc runs one scenario. An error wrapping result.ErrFinding is a
// measured failure, not an error of the sweep.
type RunFunc func(context.Context, scenario.Scenario) (result.Result, error)

// Point is one run of the sweep.
type Point struct {
	VRIDs     int           `json:"vrids"`
	RcvBuf    bytesize.Size `json:"rcvbuf"`    // requested (forced); the kernel doubles it
	Effective int64         `json:"effective"` // what the kernel granted
	Drops     uint64        `json:"drops"`
	Stuck     int           `json:"stuck"`
	Storm     uint64        `json:"storm"` // largest storm truesize
	Pass      bool          `json:"pass"`  // no loss, every instance recovered
	Confirm   bool          `json:"confirm,omitempty"`
}

// Row is the answer for one VRID count.
type Row struct {
	VRIDs int `json:"vrids"`
	// Found is false when even the sweep's largest buffer failed.
	Found bool `json:"found"`
	// Smallest is the smallest request with zero loss and full recovery,
	// confirmed by repeats; SmallestEffective is what the kernel grants.
	Smallest          bytesize.Size `json:"smallest"`
	SmallestEffective int64         `json:"smallest_effective"`
	// Recommended is Smallest with the margin, rounded up to 4 KiB.
	Recommended bytesize.Size `json:"recommended"`
	Keepalived  []string      `json:"keepalived"`
	// Storm is the largest storm truesize the oracle saw at this count.
	Storm uint64 `json:"storm"`
	Runs  int    `json:"runs"`
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
	Scenario scenario.Scenario `json:"scenario"`
	Sweep    scenario.Sweep    `json:"sweep"`
	Rows     []Row             `json:"rows"`
	Points   []Point           `json:"points"`
	// SafeFit fits the smallest safe effective buffer (bytes) to VRIDs;
	// StormFit fits the oracle's storm truesize. Their slopes are bytes
	// per VRID per link transition.
	SafeFit  Fit `json:"safe_fit"`
	StormFit Fit `json:"storm_fit"`
}

// Progress is told after every run: done so far, and the estimated total.
type Progress func(done, total int, p Point)

// resolution is how close bisection gets: within 5 % or 1 KiB.
func resolved(lo, hi bytesize.Size) bool {
	return hi-lo <= bytesize.KiB || float64(hi) <= float64(lo)*1.05
}

// Estimate is the number of runs a sweep is expected to take.
func Estimate(sw scenario.Sweep) int {
	steps := int(math.Ceil(math.Log2(float64(sw.RcvBufMax)/float64(sw.RcvBufMin)/0.05))) + 1
	return len(sw.VRIDs) * (2 + steps + sw.Repeat)
}

// Sweep finds the smallest safe buffer for each VRID count of sw, running
// base (with VRIDs, RcvBuf and Force set per run) through run.
func Sweep(ctx context.Context, base scenario.Scenario, sw scenario.Sweep, run RunFunc, progress Progress) (Report, error) {
	if err := sw.Validate(); err != nil {
		return Report{}, err
	}
	rep := Report{Scenario: base, Sweep: sw}
	total := Estimate(sw)
	try := func(n int, size bytesize.Size, confirm bool) (Point, error) {
		sc := base
		sc.VRIDs, sc.RcvBuf, sc.Force, sc.KeepLab, sc.Probe = n, size, true, false, true
		res, err := run(ctx, sc)
		if err != nil && !errors.Is(err, result.ErrFinding) {
			return Point{}, fmt.Errorf("sweep: %d VRIDs at rcvbuf %d: %w", n, size, err)
		}
		p := Point{VRIDs: n, RcvBuf: size, Confirm: confirm}
		if res.Totals != nil {
			p.Drops, p.Stuck, p.Storm = res.Totals.Drops, res.Totals.Stuck, res.Totals.LargestStorm
			p.Pass = res.Verdict.Status == result.StatusPass && !res.Totals.Unbalanced()
		}
		if res.Monitor != nil {
			p.Effective = res.Monitor.Effective
		}
		rep.Points = append(rep.Points, p)
		if len(rep.Points) > total {
			total = len(rep.Points)
		}
		if progress != nil {
			progress(len(rep.Points), total, p)
		}
		return p, nil
	}
	for _, n := range sw.VRIDs {
		row, err := smallest(n, sw, try)
		if err != nil {
			return rep, err
		}
		rep.Rows = append(rep.Rows, row)
	}
	rep.SafeFit, rep.StormFit = fits(rep.Rows)
	return rep, nil
}

// smallest bisects one VRID count.
func smallest(n int, sw scenario.Sweep, try func(int, bytesize.Size, bool) (Point, error)) (Row, error) {
	row := Row{VRIDs: n}
	runs := 0
	var storm uint64
	test := func(size bytesize.Size, confirm bool) (bool, error) {
		p, err := try(n, size, confirm)
		runs++
		storm = max(storm, p.Storm)
		return p.Pass, err
	}
	lo, hi := sw.RcvBufMin, sw.RcvBufMax
	ok, err := test(hi, false)
	if err != nil {
		return row, err
	}
	if !ok {
		row.Runs, row.Storm = runs, storm
		return row, nil // not found within the bounds
	}
	passing := []bytesize.Size{hi}
	// A buffer that holds the whole storm always suffices: the kernel
	// doubles the request, so half the storm's truesize, with 10 % for
	// storms that vary, bounds the search from above.
	if bound := bytesize.Size(float64(storm) / 2 * 1.1); storm > 0 && bound > lo && bound < hi {
		if ok, err := test(bound, false); err != nil {
			return row, err
		} else if ok {
			hi = bound
			passing = append(passing, bound)
		}
	}
	if ok, err = test(lo, false); err != nil {
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
			ok, err := test(mid, false)
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
		// Confirm: every repeat at hi must pass too.
		confirmed := true
		for range sw.Repeat {
			ok, err := test(hi, true)
			if err != nil {
				return row, err
			}
			if !ok {
				confirmed = false
				break
			}
		}
		if confirmed {
			break
		}
		// A flaky pass: hi is not safe. Search above it, up to the
		// smallest larger buffer that passed.
		lo = hi
		slices.Sort(passing)
		next := sw.RcvBufMax
		for _, p := range passing {
			if p > lo {
				next = p
				break
			}
		}
		if next <= lo {
			row.Runs, row.Storm = runs, storm
			return row, nil
		}
		hi = next
	}
	row.Found, row.Smallest, row.SmallestEffective = true, hi, 2*int64(hi)
	rec := result.Recommend(uint64(row.SmallestEffective), sw.Margin, 0)
	row.Recommended, row.Keepalived = bytesize.Size(rec.Request), rec.Keepalived
	row.Runs, row.Storm = runs, storm
	return row, nil
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
func Compare(ctx context.Context, base scenario.Scenario, sw scenario.Sweep, targets []scenario.Target, run RunFunc, progress Progress) (map[scenario.Target]Report, error) {
	reps := make(map[scenario.Target]Report, len(targets))
	for _, target := range targets {
		sc := base
		sc.Target = target
		if err := sc.Validate(); err != nil {
			return nil, fmt.Errorf("sweep --compare, target %s: %w", target, err)
		}
		rep, err := Sweep(ctx, sc, sw, run, progress)
		if err != nil {
			return nil, fmt.Errorf("sweep --compare, target %s: %w", target, err)
		}
		reps[target] = rep
	}
	return reps, nil
}
