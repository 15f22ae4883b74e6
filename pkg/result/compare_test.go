package result

import (
	"errors"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/scenario"
)

func measured(drops uint64, stuck int, p95 time.Duration, storm uint64) Result {
	r := Result{Scenario: scenario.Default(), Totals: &Totals{Drops: drops, LargestStorm: storm, Balanced: Bool(true), Recovery: Durations{P95: p95}}}
	f := Flap{}
	for range stuck {
		f.Stuck = append(f.Stuck, Instance{VRID: 1, Interface: "eth2", State: "FAULT"})
	}
	r.Flaps = []Flap{f}
	return r
}

func TestCompare(t *testing.T) {
	base := measured(0, 0, time.Second, 100000)
	g := scenario.Gate{RecoveryFactor: 1.5, RecoverySlack: 500 * time.Millisecond, StormFactor: 1.25}
	tests := []struct {
		name   string
		now    Result
		failed []string
	}{
		{"same", measured(0, 0, time.Second, 100000), nil},
		{"within limits", measured(0, 0, 2*time.Second, 125000), nil},
		{"drops", measured(3, 0, time.Second, 100000), []string{"kernel_drops"}},
		{"stuck", measured(0, 5, time.Second, 100000), []string{"stuck_instances"}},
		{"slower", measured(0, 0, 2001*time.Millisecond, 100000), []string{"recovery_p95"}},
		{"bigger storm", measured(0, 0, time.Second, 125001), []string{"storm_truesize"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks, err := Compare("ci-gate", base, tt.now, g)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, c := range checks {
				if !c.Pass {
					failed = append(failed, c.Metric)
				}
				if c.Scenario != "ci-gate" {
					t.Errorf("check %+v lacks the scenario name", c)
				}
			}
			if len(failed) != len(tt.failed) || (len(failed) > 0 && failed[0] != tt.failed[0]) {
				t.Fatalf("failed %v, want %v", failed, tt.failed)
			}
		})
	}
}

func TestCompareRefusesOtherScenario(t *testing.T) {
	base, now := measured(0, 0, time.Second, 1), measured(0, 0, time.Second, 1)
	now.Scenario.VRIDs = 64
	if _, err := Compare("x", base, now, scenario.DefaultGate()); !errors.Is(err, ErrBaselineMismatch) {
		t.Fatalf("err = %v, want ErrBaselineMismatch", err)
	}
}

// The harness limit is part of the scenario for every target (the engine
// is a process of its own, as keepalived is): a baseline with another does
// not compare.
func TestCompareHarnessProcs(t *testing.T) {
	for _, tc := range []struct {
		target scenario.Target
		same   bool
	}{{scenario.TargetBuiltin, false}, {scenario.TargetKeepalived, false}} {
		base, now := measured(0, 0, time.Second, 1), measured(0, 0, time.Second, 1)
		base.Scenario.Target, now.Scenario.Target = tc.target, tc.target
		base.Scenario.HarnessProcs, now.Scenario.HarnessProcs = 0, 1
		_, err := Compare("x", base, now, scenario.DefaultGate())
		if mismatch := errors.Is(err, ErrBaselineMismatch); mismatch == tc.same {
			t.Errorf("%s: err = %v, want a mismatch: %v", tc.target, err, !tc.same)
		}
	}
}

// The books of an external daemon are not measurable: the gate's books
// metric is skipped, never a pass.
func TestCompareBooksNotMeasurable(t *testing.T) {
	base, now := measured(0, 0, time.Second, 100000), measured(0, 0, time.Second, 100000)
	base.Totals.Balanced, now.Totals.Balanced = nil, nil
	checks, err := Compare("ka", base, now, scenario.Gate{RecoveryFactor: 1, StormFactor: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if c.Metric != "books_balance" {
			continue
		}
		if c.Pass || !c.Skipped || c.Now != nil || c.NowText() != "not measurable" {
			t.Fatalf("books check %+v: want skipped as not measurable, not passed", c)
		}
		return
	}
	t.Fatal("no books_balance check")
}

// The limits read as a planner writes them, from numbers, never from
// text: a duration limit with its factor and slack, a byte limit with its
// factor.
func TestCheckTexts(t *testing.T) {
	base, now := measured(0, 0, 600*time.Millisecond, 100000), measured(3, 0, 700*time.Millisecond, 120000)
	checks, err := Compare("x", base, now, scenario.Gate{RecoveryFactor: 1.5, RecoverySlack: 90 * time.Millisecond, StormFactor: 1.1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][3]string{
		"kernel_drops":   {"0", "3", "<= 0"},
		"recovery_p95":   {"600ms", "700ms", "<= 990ms (x1.50 + 90ms)"},
		"storm_truesize": {"100000", "120000", "<= 110000 (x1.10)"},
		"books_balance":  {"true", "true", "true"},
	}
	for _, c := range checks {
		w, ok := want[c.Metric]
		if !ok {
			continue
		}
		if got := [3]string{c.BaselineText(), c.NowText(), c.LimitText()}; got != w {
			t.Errorf("%s: %q, want %q", c.Metric, got, w)
		}
	}
}
