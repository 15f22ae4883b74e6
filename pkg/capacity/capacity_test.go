package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// fakeLab loses messages when the buffer is below need(vrids), and, if
// lucky is set, passes a flap at a buffer below need when lucky says so.
type fakeLab struct {
	vrids int
	size  bytesize.Size
	need  func(n int) bytesize.Size
	lucky func(size bytesize.Size) bool
	// Below noStart the daemon cannot start (a finding from
	// SetBuffer); below dies it dies in the flap, dropping nothing
	// counted.
	noStart, dies bytesize.Size
	opened        *int
	flaps         int
	closed        bool
	// until is the hold the lab was opened with.
	until scenario.DownUntil
}

func (f *fakeLab) SetBuffer(_ context.Context, size bytesize.Size) (int64, error) {
	f.size = size
	if size < f.noStart {
		return 0, fmt.Errorf("%w: FAIL: zebra died of a netlink overrun at start-up", result.ErrFinding)
	}
	return 2 * int64(size), nil
}

func (f *fakeLab) Flap(context.Context) (result.Flap, error) {
	f.flaps++
	storm := result.Storm{Truesize: uint64(2300 * f.vrids)}
	t0 := time.Unix(int64(10*f.flaps), 0)
	fl := result.Flap{Index: f.flaps, Down: result.Phase{Storm: storm}, Up: result.Phase{Storm: storm},
		DownAt: t0, UpAt: t0.Add(time.Second), Recovery: result.Durations{Count: f.vrids, Max: 3 * time.Second}, Cycle: 4*time.Second + time.Duration(f.flaps)*time.Millisecond}
	switch {
	case f.size < f.dies:
		fl.Exited = []result.DaemonExit{{Daemon: "zebra", PID: 7, Status: "exit status 255"}}
	case f.size < f.need(f.vrids) && (f.lucky == nil || !f.lucky(f.size)):
		fl.Down.Drops = 10
	}
	return fl, nil
}

func (f *fakeLab) Close(context.Context, error) (result.Result, error) {
	f.closed = true
	return result.Result{}, nil
}

// opener opens fake labs and keeps them for inspection.
func opener(need func(n int) bytesize.Size, lucky func(bytesize.Size) bool, labs *[]*fakeLab) OpenFunc {
	return func(_ context.Context, sc scenario.Scenario) (Lab, error) {
		l := &fakeLab{vrids: sc.VRIDs, need: need, lucky: lucky, until: sc.DownUntil}
		if labs != nil {
			*labs = append(*labs, l)
		}
		return l, nil
	}
}

func TestSweepFindsSmallestAndFitsALine(t *testing.T) {
	need := func(n int) bytesize.Size { return bytesize.Size(5000 + 1150*n) }
	sw := scenario.Sweep{VRIDs: []int{64, 128, 255}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 30, Margin: 0.25}
	calls := 0
	var labs []*fakeLab
	rep, err := Sweep(context.Background(), scenario.Default(), sw, opener(need, nil, &labs), func(done, total int, _ Probe) {
		calls++
		if done > total {
			t.Errorf("progress %d of %d", done, total)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	flaps := 0
	for _, l := range labs {
		flaps += l.flaps
		if !l.closed {
			t.Errorf("the lab of %d VRIDs was not closed", l.vrids)
		}
	}
	if len(labs) != 3 || calls != flaps {
		t.Fatalf("%d labs; progress told %d times for %d flaps", len(labs), calls, flaps)
	}
	for _, r := range rep.Rows {
		want := need(r.VRIDs)
		if !r.Found || r.Smallest < want || float64(r.Smallest) > float64(want)*1.05+1024 {
			t.Errorf("%d VRIDs: smallest %d, want within 5%% above %d", r.VRIDs, r.Smallest, want)
		}
		if r.Confirmed.N != 30 || r.Confirmed.K != 0 || r.Confirmed.AtMost >= 0.10 {
			t.Errorf("%d VRIDs: confirmed %+v, want 0 of 30, below 10 %%", r.VRIDs, r.Confirmed)
		}
		// The storm (2300 B/VRID) is below the measured bound here
		// (2 × 1150 B/VRID + 10000): the measured bound wins.
		if r.Bound != "measured" || r.Recommended < r.Smallest*5/4 || r.Recommended%4096 != 0 {
			t.Errorf("%d VRIDs: recommended %d (%s bound) for smallest %d with 25%% margin", r.VRIDs, r.Recommended, r.Bound, r.Smallest)
		}
	}
	// Effective = 2 × request: the slope is 2300 bytes per VRID.
	if math.Abs(rep.SafeFit.B-2300) > 120 {
		t.Errorf("fitted slope %.0f B/VRID, want about 2300", rep.SafeFit.B)
	}
	if math.Abs(rep.StormFit.B-2300) > 1 || math.Abs(rep.StormFit.A) > 1 {
		t.Errorf("storm fit %+v, want 0 + 2300 x", rep.StormFit)
	}
	if flaps > Estimate(sw) {
		t.Errorf("%d flaps, estimate %d", flaps, Estimate(sw))
	}
}

// A sweep's flaps do not wait for the peer's takeover unless the scenario
// says so, and each row says how long its flaps took and how much of that
// was nlstress's own waiting.
func TestSweepHoldAndCycles(t *testing.T) {
	need := func(n int) bytesize.Size { return bytesize.Size(5000 + 1150*n) }
	sw := scenario.Sweep{VRIDs: []int{64}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 30, Margin: 0.25}
	for _, tc := range []struct{ given, want scenario.DownUntil }{{"", scenario.DownUntilFault}, {scenario.DownUntilTakeover, scenario.DownUntilTakeover}} {
		var labs []*fakeLab
		base := scenario.Default()
		base.DownUntil = tc.given
		rep, err := Sweep(context.Background(), base, sw, opener(need, nil, &labs), nil)
		if err != nil {
			t.Fatal(err)
		}
		if labs[0].until != tc.want || rep.Scenario.DownUntil != tc.want {
			t.Errorf("--down-until %q: the lab held until %q, the report says %q; want %q", tc.given, labs[0].until, rep.Scenario.DownUntil, tc.want)
		}
		c := rep.Rows[0].Cycles
		n := labs[0].flaps
		// Flap i took 4 s + i ms: 1 s held, 3 s recovering, i ms own.
		if c.Flaps != n || c.Hold != time.Second || c.Recovery != 3*time.Second || c.OwnMax != time.Duration(n)*time.Millisecond || c.Own != time.Duration(n/2+1)*time.Millisecond {
			t.Errorf("cycles %+v of %d flaps", c, n)
		}
	}
}

// A daemon that cannot start at a buffer, or dies in its flap, makes that
// buffer unsafe: the sweep goes on above it, and the probes say why.
func TestSweepCountsDaemonFailuresAsLoss(t *testing.T) {
	need := func(n int) bytesize.Size { return bytesize.Size(5000 + 1150*n) }
	sw := scenario.Sweep{VRIDs: []int{64}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 5, Margin: 0.25}
	open := func(_ context.Context, sc scenario.Scenario) (Lab, error) {
		return &fakeLab{vrids: sc.VRIDs, need: need, noStart: 16 * bytesize.KiB, dies: 64 * bytesize.KiB}, nil
	}
	rep, err := Sweep(context.Background(), scenario.Default(), sw, open, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r := rep.Rows[0]; !r.Found || r.Smallest < need(64) {
		t.Fatalf("row %+v: want the smallest buffer above where the daemon fails and loses", r)
	}
	var noStart, died bool
	for _, p := range rep.Probes {
		noStart = noStart || (p.RcvBuf < 16*bytesize.KiB && p.StartFailed != "" && p.Loss.K == 1)
		died = died || (p.RcvBuf >= 16*bytesize.KiB && p.RcvBuf < 64*bytesize.KiB && p.Loss.K == 1 && p.StartFailed == "")
	}
	if !noStart || !died {
		t.Fatalf("probes %+v: want a failed start below 16 KiB and a death below 64 KiB, both lost", rep.Probes)
	}
}

// The second answer: every flap that lost messages is followed. A daemon
// whose lossy flaps all came right (fakeLab's: 3 s to the last MASTER)
// can be run below the buffer for no loss; one that died in some cannot,
// and the row counts those; a sweep that lost nothing has no second
// answer.
func TestSweepAfterLoss(t *testing.T) {
	need := func(n int) bytesize.Size { return bytesize.Size(5000 + 1150*n) }
	sw := scenario.Sweep{VRIDs: []int{64}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 5, Margin: 0.25}
	for _, tc := range []struct {
		name      string
		dies      bytesize.Size
		lossFree  bool
		wantStuck bool
	}{
		{name: "resyncs"},
		{name: "dies below 64 KiB", dies: 64 * bytesize.KiB, wantStuck: true},
		{name: "never lost", lossFree: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			open := func(_ context.Context, sc scenario.Scenario) (Lab, error) {
				l := &fakeLab{vrids: sc.VRIDs, need: need, dies: tc.dies}
				if tc.lossFree {
					l.need = func(int) bytesize.Size { return 0 }
				}
				return l, nil
			}
			rep, err := Sweep(context.Background(), scenario.Default(), sw, open, nil)
			if err != nil {
				t.Fatal(err)
			}
			lossy, died := 0, 0
			for _, p := range rep.Probes {
				lossy += p.Loss.K
				if p.RcvBuf < tc.dies {
					died += p.Loss.K
				}
			}
			a := rep.Rows[0].AfterLoss
			if tc.lossFree {
				if a != nil {
					t.Fatalf("after loss %+v in a sweep that lost nothing", a)
				}
				return
			}
			if a == nil || a.Flaps != lossy || a.Stuck != died || a.Smallest != 2*int64(sw.RcvBufMin) || a.Longest != 3*time.Second {
				t.Fatalf("after loss %+v: want %d lossy flaps, %d stuck, smallest %d, longest 3 s", a, lossy, died, 2*sw.RcvBufMin)
			}
			if tc.wantStuck != (a.Stuck > 0) || lossy == 0 {
				t.Fatalf("after loss %+v of %d lossy flaps", a, lossy)
			}
		})
	}
}

// When the storm is larger than what the reader needed, the whole-storm
// bound is the recommendation, and it says so.
func TestSweepRecommendsTheWholeStormBound(t *testing.T) {
	need := func(n int) bytesize.Size { return bytesize.Size(500 * n) } // a fast reader
	sw := scenario.Sweep{VRIDs: []int{255}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 5, Margin: 0.25}
	rep, err := Sweep(context.Background(), scenario.Default(), sw, opener(need, nil, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Rows[0]
	if want := bytesize.Size(2300 * 255 * 5 / 4 / 2); r.Bound != "whole storm" || r.Recommended < want {
		t.Fatalf("row %+v: want the whole-storm bound, at least %d", r, want)
	}
}

// TestSweepNothingSafe: one lossy flap at the largest buffer does not end
// the sweep on its own: a series there measures the rate it reports.
func TestSweepNothingSafe(t *testing.T) {
	sw := scenario.Sweep{VRIDs: []int{64}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 64 * bytesize.KiB, Confirm: 5, Margin: 0.25}
	rep, err := Sweep(context.Background(), scenario.Default(), sw, opener(func(int) bytesize.Size { return bytesize.MiB }, nil, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Rows[0]
	if r.Found || r.Flaps != 6 || len(rep.Probes) != 2 || r.AtMax == nil || r.AtMax.K != 5 || r.AtMax.N != 5 {
		t.Fatalf("row %+v, probes %+v: want not found, with 5 of 5 flaps lossy at the maximum", r, rep.Probes)
	}
}

// TestProcedureAtMost: the i-th confirmation series is held to 5 %/2^i,
// so 30 clean flaps bound P(loss) at 1-(0.05/2^i)^(1/30).
func TestProcedureAtMost(t *testing.T) {
	for _, tt := range []struct {
		n, i int
		want float64
	}{
		{30, 1, 0.1157}, {30, 2, 0.1361}, {30, 3, 0.1556}, {60, 1, 0.0596}, {0, 1, 1}, {30, 0, 1},
	} {
		if got := ProcedureAtMost(tt.n, tt.i); math.Abs(got-tt.want) > 0.0005 {
			t.Errorf("ProcedureAtMost(%d, %d) = %.4f, want %.4f", tt.n, tt.i, got, tt.want)
		}
	}
	// Never below what one buffer tested alone allows (9.5 % for 30).
	if got := ProcedureAtMost(30, 1); got <= 0.095 {
		t.Errorf("ProcedureAtMost(30, 1) = %.4f: below the single-buffer bound", got)
	}
}

// Below 100000 a flap passes now and then (every third): bisection finds
// a lucky pass, the confirmation series catches it, and the sweep moves
// up. Every probe's loss rate is reported.
func TestSweepConfirmRejectsALuckyPass(t *testing.T) {
	n := 0
	lucky := func(size bytesize.Size) bool {
		if size < 60000 {
			return false
		}
		n++
		return n%3 != 0
	}
	sw := scenario.Sweep{VRIDs: []int{10}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: bytesize.MiB, Confirm: 30, Margin: 0}
	rep, err := Sweep(context.Background(), scenario.Default(), sw, opener(func(int) bytesize.Size { return 100000 }, lucky, nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Rows[0]
	if !r.Found || r.Smallest < 100000 {
		t.Fatalf("row %+v: a lucky pass below 100000 survived confirmation", r)
	}
	// The bound stated is the procedure's: weaker with every series run.
	if r.Confirmations < 2 || r.ProcedureAtMost != ProcedureAtMost(30, r.Confirmations) || r.ProcedureAtMost <= r.Confirmed.AtMost {
		t.Fatalf("row %+v: want the procedure's bound after %d series, above the single buffer's %.3f", r, r.Confirmations, r.Confirmed.AtMost)
	}
	caught := false
	for _, p := range rep.Probes {
		if p.RcvBuf < 100000 && p.Loss.N > 1 && p.Loss.K == 1 {
			caught = true // a confirmation series that ended in loss
		}
	}
	if !caught {
		t.Fatalf("probes %+v: no confirmation series caught the lucky pass", rep.Probes)
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
	sw := scenario.Sweep{VRIDs: []int{64}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 1, Margin: 0.25}
	seen := map[scenario.Target]int{}
	run := func(ctx context.Context, sc scenario.Scenario) (Lab, error) {
		seen[sc.Target]++
		return opener(func(int) bytesize.Size { return 100000 }, nil, nil)(ctx, sc)
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

// An exec target sets its own buffer: the sweep refuses it before it
// opens any lab.
func TestSweepRefusesExec(t *testing.T) {
	sc := scenario.Default()
	sc.Target, sc.TargetCmd = scenario.TargetExec, "true"
	var labs []*fakeLab
	_, err := Sweep(context.Background(), sc, scenario.DefaultSweep(), opener(func(int) bytesize.Size { return 1 }, nil, &labs), nil)
	if !errors.Is(err, scenario.ErrInvalid) || len(labs) != 0 {
		t.Fatalf("sweep of an exec target: %v, %d labs opened; want ErrInvalid and none", err, len(labs))
	}
}

// stoppable is a fake lab whose flaps end once ctx is cancelled, as a
// real lab's do.
type stoppable struct{ *fakeLab }

func (s stoppable) Flap(ctx context.Context) (result.Flap, error) {
	if ctx.Err() != nil {
		return result.Flap{}, context.Cause(ctx)
	}
	return s.fakeLab.Flap(ctx)
}

// A sweep stopped by a signal in its second VRID count returns the first
// count's row, every probe so far, and says it was stopped, by what and
// after how many flaps.
func TestSweepStopped(t *testing.T) {
	need := func(n int) bytesize.Size { return bytesize.Size(5000 + 1150*n) }
	sw := scenario.Sweep{VRIDs: []int{64, 128, 255}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 8 * bytesize.MiB, Confirm: 30, Margin: 0.25}
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted by SIGINT")
	open := func(ctx context.Context, sc scenario.Scenario) (Lab, error) {
		return stoppable{&fakeLab{vrids: sc.VRIDs, need: need}}, nil
	}
	var first int
	rep, err := Sweep(ctx, scenario.Default(), sw, open, func(done, _ int, p Probe) {
		if p.VRIDs == 64 {
			first = done
		}
		if p.VRIDs == 128 && done == first+5 {
			cancel(stop)
		}
	})
	if !errors.Is(err, stop) {
		t.Fatalf("err %v, want the stop", err)
	}
	in := rep.Interrupted
	if len(rep.Rows) != 1 || rep.Rows[0].VRIDs != 64 || in == nil || in.By != stop.Error() || in.AfterFlaps != first+5 || len(rep.Probes) == 0 {
		t.Fatalf("rows %+v, interrupted %+v, %d probes: want the 64-VRID row, stopped after %d flaps", rep.Rows, in, len(rep.Probes), first+5)
	}
}
