package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/target"
)

// The run's footer says how long a flap took and how much of it was
// nlstress's own waiting: the cycle less the hold and the recovery.
func TestFlapCycle(t *testing.T) {
	t0 := time.Unix(1000, 0)
	flap := func(i int, cycle, held, rec time.Duration) result.Flap {
		return result.Flap{Index: i, DownAt: t0, UpAt: t0.Add(held), Cycle: cycle, Recovery: result.Durations{Count: 8, Max: rec}}
	}
	flaps := []result.Flap{flap(1, 8*time.Second, 2*time.Second, 3*time.Second), flap(2, 9*time.Second, 2*time.Second, 3500*time.Millisecond), flap(3, 8500*time.Millisecond, 2*time.Second, 3200*time.Millisecond)}
	if got := flaps[0].Overhead(); got != 3*time.Second {
		t.Fatalf("overhead %v, want 3s", got)
	}
	sc := scenario.Default()
	text := runTable(t, result.Result{Scenario: sc, Target: sc.Target, Lab: result.Lab{RunID: "abc123", Interfaces: []string{"eth2"}, Instances: 8},
		Monitor: &result.Monitor{Effective: 4096, Groups: []string{"link"}}, Flaps: flaps})
	want := "flap cycle, medians of 3 flaps: 8.500 s in all; the hold 2.000 s, the recovery to the last instance 3.200 s, nlstress's own waits 3.300 s (rest before the downs, the peer, the windows; at most 3.500 s)"
	if !strings.Contains(text, want) {
		t.Fatalf("report lacks %q:\n%s", want, text)
	}
}

// runTable judges r's flaps over its lab's instances, with a
// recommendation for a 4000-byte storm at its monitor's buffer, and
// renders the run as a table.
func runTable(t *testing.T, r result.Result) string {
	t.Helper()
	tot := result.Total(r.Flaps, nil, r.Lab.Instances)
	v := result.Judge(tot, r.Flaps, *r.Monitor)
	rec := result.Recommend(4000, result.DefaultMargin, r.Monitor.Effective, target.Of(r.Scenario.Target).Paste)
	r.Totals, r.Verdict, r.Recommendation = &tot, &v, &rec
	var out bytes.Buffer
	if err := Run(&out, FormatTable, r); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
