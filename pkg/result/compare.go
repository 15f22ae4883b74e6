package result

import (
	"errors"
	"fmt"
	"time"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// ErrBaselineMismatch is returned when a baseline was measured for a
// different scenario than the one run now: comparing them means nothing.
var ErrBaselineMismatch = errors.New("baseline is for a different scenario")

// Check is one metric of one scenario held against its limit.
type Check struct {
	Scenario string `json:"scenario"`
	Metric   string `json:"metric"`
	Baseline string `json:"baseline"`
	Now      string `json:"now"`
	Limit    string `json:"limit"`
	Pass     bool   `json:"pass"`
	// Skipped says the metric cannot be measured for this target (the
	// books of an external daemon): neither a pass nor a regression.
	Skipped bool `json:"skipped,omitempty"`
}

// books names a run's books for a check: "true", "false" or "not
// measurable".
func books(t *Totals) string {
	if t.Balanced == nil {
		return "not measurable"
	}
	return fmt.Sprint(*t.Balanced)
}

// comparable is the part of a scenario a baseline must share with a run.
func comparable(s scenario.Scenario) scenario.Scenario {
	s.Name, s.KeepLab, s.KeepalivedBin, s.KeepalivedConfExtra = "", false, "", ""
	if s.FlapMode == "" {
		s.FlapMode = scenario.FlapAdmin // baselines from before flap modes
	}
	if s.FlapPattern.Kind == "" {
		s.FlapPattern.Kind = flap.Single // and before flap patterns
	}
	return s
}

// Compare holds a run against its baseline under the gate's thresholds:
// kernel drops and stuck instances against fixed maxima, recovery p95 and
// the largest storm against the baseline, and the books.
func Compare(name string, baseline, now Result, g scenario.Gate) ([]Check, error) {
	if now.Totals == nil || baseline.Totals == nil {
		return nil, fmt.Errorf("compare %s: a result without measurements", name)
	}
	if comparable(baseline.Scenario) != comparable(now.Scenario) {
		return nil, fmt.Errorf("compare %s: %w: baseline %+v, now %+v; run nlstress gate --update-baseline", name, ErrBaselineMismatch, comparable(baseline.Scenario), comparable(now.Scenario))
	}
	worstStuck := func(r Result) int {
		n := 0
		for _, f := range r.Flaps {
			n = max(n, len(f.Stuck))
		}
		return n
	}
	p95 := func(r Result) time.Duration { return r.Totals.Recovery.P95 }
	limitP95 := time.Duration(float64(p95(baseline))*g.RecoveryFactor) + g.RecoverySlack
	limitStorm := uint64(float64(baseline.Totals.LargestStorm) * g.StormFactor)
	checks := []Check{
		{Metric: "kernel_drops", Baseline: fmt.Sprint(baseline.Totals.Drops), Now: fmt.Sprint(now.Totals.Drops),
			Limit: fmt.Sprintf("<= %d", g.MaxDrops), Pass: now.Totals.Drops <= g.MaxDrops},
		{Metric: "stuck_instances", Baseline: fmt.Sprint(worstStuck(baseline)), Now: fmt.Sprint(worstStuck(now)),
			Limit: fmt.Sprintf("<= %d", g.MaxStuck), Pass: worstStuck(now) <= g.MaxStuck},
		{Metric: "recovery_p95", Baseline: p95(baseline).Round(time.Millisecond).String(), Now: p95(now).Round(time.Millisecond).String(),
			Limit: fmt.Sprintf("<= %v (x%.2f + %v)", limitP95.Round(time.Millisecond), g.RecoveryFactor, g.RecoverySlack), Pass: p95(now) <= limitP95},
		{Metric: "storm_truesize", Baseline: fmt.Sprint(baseline.Totals.LargestStorm), Now: fmt.Sprint(now.Totals.LargestStorm),
			Limit: fmt.Sprintf("<= %d (x%.2f)", limitStorm, g.StormFactor), Pass: now.Totals.LargestStorm <= limitStorm},
		{Metric: "books_balance", Baseline: books(baseline.Totals), Now: books(now.Totals),
			Limit: "true", Pass: now.Totals.Balanced != nil && *now.Totals.Balanced, Skipped: now.Totals.Balanced == nil},
	}
	for i := range checks {
		checks[i].Scenario = name
	}
	return checks, nil
}
