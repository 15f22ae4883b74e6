package result

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// ErrBaselineMismatch is returned when a baseline was measured for a
// different scenario than the one run now: comparing them means nothing.
var ErrBaselineMismatch = errors.New("baseline is for a different scenario")

// Check is one metric of one scenario held against its limit. Values are
// numbers in Unit, never text; Text methods format them for tables.
type Check struct {
	Scenario string `json:"scenario"`
	Metric   string `json:"metric"`
	// Unit is the unit of Baseline, Now and Limit: "messages",
	// "instances", "ns", "bytes", or "balanced" (1 the books balance, 0
	// they do not).
	Unit string `json:"unit"`
	// Baseline and Now are the metric's values; null when the metric
	// cannot be measured for the target (the books of an outside daemon).
	Baseline *float64 `json:"baseline"`
	Now      *float64 `json:"now"`
	Limit    Limit    `json:"limit"`
	Pass     bool     `json:"pass"`
	// Skipped says the metric cannot be measured for this target (the
	// books of an external daemon): neither a pass nor a regression.
	Skipped bool `json:"skipped,omitempty"`
}

// Limit is what Now must be: at most Max, or at least Min. A limit taken
// from the baseline says how: Max = baseline × Factor + Slack.
type Limit struct {
	Max    *float64 `json:"max,omitempty"`
	Min    *float64 `json:"min,omitempty"`
	Factor float64  `json:"factor,omitempty"`
	Slack  float64  `json:"slack,omitempty"`
}

// value is v as a Check value.
func value(v float64) *float64 { return &v }

// valueText formats a value in unit.
func valueText(v *float64, unit string) string {
	switch {
	case v == nil:
		return "not measurable"
	case unit == "ns":
		return time.Duration(*v).Round(time.Millisecond).String()
	case unit == "balanced":
		return fmt.Sprint(*v == 1)
	}
	return fmt.Sprint(int64(*v))
}

// BaselineText is the baseline's value for a table.
func (c Check) BaselineText() string { return valueText(c.Baseline, c.Unit) }

// NowText is the value now for a table.
func (c Check) NowText() string { return valueText(c.Now, c.Unit) }

// LimitText is the limit for a table: "<= 990ms (x1.50 + 500ms)".
func (c Check) LimitText() string {
	l := c.Limit
	switch {
	case l.Min != nil && c.Unit == "balanced":
		return "true"
	case l.Min != nil:
		return ">= " + valueText(l.Min, c.Unit)
	case l.Max == nil:
		return ""
	}
	text := "<= " + valueText(l.Max, c.Unit)
	switch {
	case l.Factor != 0 && l.Slack != 0:
		text += fmt.Sprintf(" (x%.2f + %s)", l.Factor, valueText(&l.Slack, c.Unit))
	case l.Factor != 0:
		text += fmt.Sprintf(" (x%.2f)", l.Factor)
	}
	return text
}

// books is a run's books as a check value: 1 balanced, 0 not, nil not
// measurable.
func books(t *Totals) *float64 {
	switch {
	case t.Balanced == nil:
		return nil
	case *t.Balanced:
		return value(1)
	}
	return value(0)
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
	p95 := func(r Result) float64 { return float64(r.Totals.Recovery.P95) }
	limitP95 := p95(baseline)*g.RecoveryFactor + float64(g.RecoverySlack)
	limitStorm := float64(baseline.Totals.LargestStorm) * g.StormFactor
	stuckNow := float64(worstStuck(now))
	checks := []Check{
		{Metric: "kernel_drops", Unit: "messages", Baseline: value(float64(baseline.Totals.Drops)), Now: value(float64(now.Totals.Drops)),
			Limit: Limit{Max: value(float64(g.MaxDrops))}, Pass: now.Totals.Drops <= g.MaxDrops},
		{Metric: "stuck_instances", Unit: "instances", Baseline: value(float64(worstStuck(baseline))), Now: value(stuckNow),
			Limit: Limit{Max: value(float64(g.MaxStuck))}, Pass: stuckNow <= float64(g.MaxStuck)},
		{Metric: "recovery_p95", Unit: "ns", Baseline: value(p95(baseline)), Now: value(p95(now)),
			Limit: Limit{Max: value(limitP95), Factor: g.RecoveryFactor, Slack: float64(g.RecoverySlack)}, Pass: p95(now) <= limitP95},
		{Metric: "storm_truesize", Unit: "bytes", Baseline: value(float64(baseline.Totals.LargestStorm)), Now: value(float64(now.Totals.LargestStorm)),
			Limit: Limit{Max: value(math.Floor(limitStorm)), Factor: g.StormFactor}, Pass: float64(now.Totals.LargestStorm) <= math.Floor(limitStorm)},
		{Metric: "books_balance", Unit: "balanced", Baseline: books(baseline.Totals), Now: books(now.Totals),
			Limit: Limit{Min: value(1)}, Pass: now.Totals.Balanced != nil && *now.Totals.Balanced, Skipped: now.Totals.Balanced == nil},
	}
	for i := range checks {
		checks[i].Scenario = name
	}
	return checks, nil
}
