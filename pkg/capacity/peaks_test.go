package capacity

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

// peakLab's flaps peak at peaks[flap % len(peaks)] (effective bytes),
// read in the kernel unless unwatched, and lose exactly when the peak
// passes the effective buffer, as the kernel's admission rule says; after
// the first checkFlaps flaps at a small buffer, worse adds to the peak
// (a reader that slows near its buffer: the method's failure).
type peakLab struct {
	size      bytesize.Size
	peaks     []uint64
	unwatched bool
	worse     uint64
	flaps     int
}

func (l *peakLab) SetBuffer(_ context.Context, size bytesize.Size) (int64, error) {
	l.size = size
	return 2 * int64(size), nil
}

func (l *peakLab) Flap(context.Context) (result.Flap, error) {
	peak := l.peaks[l.flaps%len(l.peaks)]
	l.flaps++
	eff := uint64(2 * l.size)
	if eff < uint64(4*bytesize.MiB) {
		peak += l.worse
	}
	f := result.Flap{Index: l.flaps, Rcvbuf: int64(eff), Down: result.Phase{Storm: result.Storm{Truesize: 900_000}}}
	if peak > eff {
		f.Down.Drops, peak = 5, eff
	}
	if !l.unwatched {
		f.Down.PeakQueueExact, f.Up.PeakQueueExact = peak, 1000
	}
	return f, nil
}

func (l *peakLab) Close(context.Context, error) (result.Result, error) { return result.Result{}, nil }

func peakSweep(t *testing.T, l *peakLab) (Report, error) {
	t.Helper()
	sw := scenario.Sweep{VRIDs: []int{255}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 30, Margin: 0.25, Method: scenario.SweepPeaks}
	return Sweep(context.Background(), scenario.Default(), sw, func(context.Context, scenario.Scenario) (Lab, error) { return l, nil }, nil)
}

// Thirty flaps give the curve and the buffer: 27 at the largest buffer
// give the curve and the candidate, the largest peak, requested as half
// of it; three flaps there lose nothing: none of 30 flaps lost or would
// have lost at it, where bisection takes a dozen flaps more.
func TestSweepFromPeaks(t *testing.T) {
	l := &peakLab{peaks: []uint64{430_000, 790_000, 800_512}}
	rep, err := peakSweep(t, l)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Rows[0]
	if !r.Found || r.Method != scenario.SweepPeaks || r.SmallestEffective != 800_512 || r.Smallest != 400_256 || r.Flaps != 30 {
		t.Fatalf("row %+v: want 800,512 effective found by peaks in 30 flaps", r)
	}
	if r.Confirmed.N != 30 || r.Checked == nil || r.Checked.K != 0 || r.Checked.N != peakChecks || r.ProcedureAtMost != r.Confirmed.AtMost {
		t.Fatalf("confidence %+v, checked %+v, procedure %v", r.Confirmed, r.Checked, r.ProcedureAtMost)
	}
	want := []Point{{430_000, stats.Binomial(18, 27)}, {790_000, stats.Binomial(9, 27)}, {800_512, stats.Binomial(0, 27)}}
	if len(r.Curve) != 3 {
		t.Fatalf("curve %+v", r.Curve)
	}
	for i, p := range r.Curve {
		if p.Effective != want[i].Effective || p.Loss != want[i].Loss {
			t.Fatalf("curve point %d: %+v, want %+v", i, p, want[i])
		}
	}
	if len(rep.Probes) != 2 || len(rep.Probes[0].Peaks) != 30-peakChecks || rep.Probes[1].Loss.N != peakChecks {
		t.Fatalf("probes %+v: want %d flaps at the largest buffer, %d at the candidate", rep.Probes, 30-peakChecks, peakChecks)
	}
}

// A reader that reads otherwise near its buffer breaks the method: the
// check flaps lose, and the row is bisected from the peaks' buffer up,
// saying why. A host that cannot read the peaks is told to bisect.
func TestSweepFromPeaksFallsBack(t *testing.T) {
	l := &peakLab{peaks: []uint64{800_512}, worse: 50_000}
	rep, err := peakSweep(t, l)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Rows[0]
	if !r.Found || r.Method != scenario.SweepBisect || !strings.Contains(r.Fallback, "a check flap at 400256") || r.Checked == nil || r.Checked.K != 1 {
		t.Fatalf("row %+v: want a bisection after a failed check", r)
	}
	if r.SmallestEffective <= 800_512 || len(r.Curve) != 1 {
		t.Fatalf("bisected to %d effective, curve %+v: want above the peak", r.SmallestEffective, r.Curve)
	}

	_, err = peakSweep(t, &peakLab{peaks: []uint64{800_512}, unwatched: true})
	if !errors.Is(err, result.ErrFinding) || !strings.Contains(err.Error(), "--method bisect") {
		t.Fatalf("unwatched: %v", err)
	}

	// Told not to read the queue in the kernel, the method is refused
	// before any lab.
	sc := scenario.Default()
	sc.NoExactPeak = true
	sw := scenario.Sweep{VRIDs: []int{64}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 30, Margin: 0.25, Method: scenario.SweepPeaks}
	_, err = Sweep(context.Background(), sc, sw, func(context.Context, scenario.Scenario) (Lab, error) {
		t.Fatal("a lab was opened")
		return nil, nil
	}, nil)
	if !errors.Is(err, scenario.ErrInvalid) || !strings.Contains(err.Error(), "--no-exact-peak") {
		t.Fatalf("peaks with --no-exact-peak: %v", err)
	}
}
