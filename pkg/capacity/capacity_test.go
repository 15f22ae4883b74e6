package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// fake passes when the request is at least need(n) bytes.
func fake(need func(n int) bytesize.Size) RunFunc {
	return func(_ context.Context, sc scenario.Scenario) (result.Result, error) {
		pass := sc.RcvBuf >= need(sc.VRIDs)
		res := result.Result{
			Totals:  &result.Totals{Balanced: result.Bool(true), LargestStorm: uint64(2300 * sc.VRIDs)},
			Monitor: &result.Monitor{Effective: 2 * int64(sc.RcvBuf)},
			Verdict: &result.Verdict{Status: result.StatusPass},
		}
		if !pass {
			res.Totals.Drops = 10
			res.Verdict.Status = result.StatusLoss
			return res, fmt.Errorf("%w: lost", result.ErrFinding)
		}
		return res, nil
	}
}

func TestSweepFindsSmallestAndFitsALine(t *testing.T) {
	need := func(n int) bytesize.Size { return bytesize.Size(5000 + 1150*n) }
	sw := scenario.Sweep{VRIDs: []int{64, 128, 255}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Repeat: 2, Margin: 0.25}
	calls := 0
	rep, err := Sweep(context.Background(), scenario.Default(), sw, fake(need), func(done, total int, _ Point) {
		calls++
		if done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != len(rep.Points) {
		t.Fatalf("progress told %d times for %d runs", calls, len(rep.Points))
	}
	for _, r := range rep.Rows {
		want := need(r.VRIDs)
		if !r.Found || r.Smallest < want || float64(r.Smallest) > float64(want)*1.05+1024 {
			t.Errorf("%d VRIDs: smallest %d, want within 5%% above %d", r.VRIDs, r.Smallest, want)
		}
		if r.Recommended < r.Smallest*5/4 || r.Recommended%4096 != 0 {
			t.Errorf("%d VRIDs: recommended %d for smallest %d with 25%% margin", r.VRIDs, r.Recommended, r.Smallest)
		}
	}
	// Effective = 2 × request: the slope is 2300 bytes per VRID.
	if math.Abs(rep.SafeFit.B-2300) > 120 {
		t.Errorf("fitted slope %.0f B/VRID, want about 2300", rep.SafeFit.B)
	}
	if math.Abs(rep.StormFit.B-2300) > 1 || math.Abs(rep.StormFit.A) > 1 {
		t.Errorf("storm fit %+v, want 0 + 2300 x", rep.StormFit)
	}
	if len(rep.Points) > Estimate(sw) {
		t.Errorf("%d runs, estimate %d", len(rep.Points), Estimate(sw))
	}
}

func TestSweepNothingSafe(t *testing.T) {
	sw := scenario.Sweep{VRIDs: []int{64}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 64 * bytesize.KiB, Repeat: 1, Margin: 0.25}
	rep, err := Sweep(context.Background(), scenario.Default(), sw, fake(func(int) bytesize.Size { return bytesize.MiB }), nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rows[0].Found || rep.Rows[0].Runs != 1 {
		t.Fatalf("row %+v: want not found after one run at the maximum", rep.Rows[0])
	}
}

func TestSweepConfirmRejectsAFlakyPass(t *testing.T) {
	// Passes at >= 100000, and once, by luck, at 60000..99999.
	lucky := true
	run := func(ctx context.Context, sc scenario.Scenario) (result.Result, error) {
		if sc.RcvBuf >= 60000 && sc.RcvBuf < 100000 && lucky {
			lucky = false
			return fake(func(int) bytesize.Size { return 0 })(ctx, sc)
		}
		return fake(func(int) bytesize.Size { return 100000 })(ctx, sc)
	}
	sw := scenario.Sweep{VRIDs: []int{10}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: bytesize.MiB, Repeat: 2, Margin: 0}
	rep, err := Sweep(context.Background(), scenario.Default(), sw, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Rows[0]; !r.Found || r.Smallest < 100000 {
		t.Fatalf("row %+v: a lucky pass below 100000 survived confirmation", r)
	}
}

func TestLeastSquares(t *testing.T) {
	tests := []struct {
		name   string
		xs, ys []float64
		want   Fit
	}{
		{"exact line", []float64{1, 2, 3}, []float64{5, 7, 9}, Fit{A: 3, B: 2}},
		{"one point", []float64{4}, []float64{8}, Fit{B: 2}},
		{"none", nil, nil, Fit{}},
		{"vertical", []float64{2, 2}, []float64{1, 3}, Fit{A: 2}},
	}
	for _, tt := range tests {
		got := LeastSquares(tt.xs, tt.ys)
		if math.Abs(got.A-tt.want.A) > 1e-9 || math.Abs(got.B-tt.want.B) > 1e-9 {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

// Compare sweeps each target with the same plan, and refuses a base
// scenario that one of the targets cannot run.
func TestCompare(t *testing.T) {
	sw := scenario.Sweep{VRIDs: []int{64}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Repeat: 1, Margin: 0.25}
	seen := map[scenario.Target]int{}
	run := func(ctx context.Context, sc scenario.Scenario) (result.Result, error) {
		seen[sc.Target]++
		return fake(func(int) bytesize.Size { return 100000 })(ctx, sc)
	}
	targets := []scenario.Target{scenario.TargetBuiltin, scenario.TargetKeepalived}
	reps, err := Compare(context.Background(), scenario.Default(), sw, targets, run, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range targets {
		if seen[target] == 0 || len(reps[target].Rows) != 1 {
			t.Fatalf("target %s: %d runs, report %+v", target, seen[target], reps[target])
		}
	}
	bad := scenario.Default()
	bad.OnOverrun = scenario.PolicyResync // the engine's policy: keepalived cannot take it
	if _, err := Compare(context.Background(), bad, sw, targets, run, nil); !errors.Is(err, scenario.ErrInvalid) {
		t.Fatalf("Compare with a policy keepalived cannot run: %v, want ErrInvalid", err)
	}
}
