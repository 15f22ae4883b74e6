// Package gate is the CI regression gate: it runs scenario files, holds
// each result against the committed baseline of the same name under the
// scenario's thresholds, and says which metrics regressed. Runs are done by
// the function it is given, so the logic is tested without a lab.
package gate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// ErrNoBaseline is returned when a scenario has no baseline to compare
// with and none is being written.
var ErrNoBaseline = errors.New("no baseline")

// RunFunc runs one scenario; an error wrapping result.ErrFinding is a
// measured failure, not an error of the gate.
type RunFunc func(context.Context, scenario.Scenario) (result.Result, error)

// Options say where baselines live and whether to rewrite them.
type Options struct {
	// BaselineDir holds <name>.json baselines ("results").
	BaselineDir string
	// Update writes each run as the new baseline instead of comparing.
	Update bool
}

// Outcome is one scenario's gate result.
type Outcome struct {
	// Time is how long the scenario's run took.
	Time     time.Duration  `json:"time_ns"`
	Name     string         `json:"name"`
	File     string         `json:"file"`
	Baseline string         `json:"baseline"`
	Updated  bool           `json:"updated,omitempty"`
	Checks   []result.Check `json:"checks,omitempty"`
	Verdict  string         `json:"verdict"`
	// NotRun says why the scenario has no verdict: the gate was stopped
	// (a signal) during its run or before it.
	NotRun string `json:"not_run,omitempty"`
}

// Pass reports whether every check passed or was skipped as not
// measurable.
func (o Outcome) Pass() bool {
	for _, c := range o.Checks {
		if !c.Pass && !c.Skipped {
			return false
		}
	}
	return true
}

// Name is a scenario file's name for baselines: its name key, else the
// file name without extension.
func Name(f scenario.File) string {
	if f.Scenario.Name != "" {
		return f.Scenario.Name
	}
	return strings.TrimSuffix(filepath.Base(f.Path), filepath.Ext(f.Path))
}

// Run loads every file first (a bad one stops the gate before anything
// runs), then runs each scenario and compares it with its baseline, or
// writes the baseline with opt.Update. Errors are usage or environment
// errors; regressions are in the outcomes.
func Run(ctx context.Context, files []string, opt Options, run RunFunc) ([]Outcome, error) {
	if len(files) == 0 {
		return nil, fmt.Errorf("%w: gate: name at least one scenario file (e.g. scenarios/ci-gate.yaml)", scenario.ErrInvalid)
	}
	var loaded []scenario.File
	for _, path := range files {
		f, err := scenario.Load(path)
		if err != nil {
			return nil, err
		}
		loaded = append(loaded, f)
	}
	var out []Outcome
	for i, f := range loaded {
		name := Name(f)
		o := Outcome{Name: name, File: f.Path, Baseline: filepath.Join(opt.BaselineDir, name+".json")}
		var base result.Result
		if !opt.Update {
			var err error
			if base, err = result.Load(o.Baseline); err != nil {
				if errors.Is(err, os.ErrNotExist) {
					return out, fmt.Errorf("%w for %s at %s: write one with nlstress gate --update-baseline %s", ErrNoBaseline, name, o.Baseline, f.Path)
				}
				return out, err
			}
		}
		sc := f.Scenario
		sc.Name = name
		t0 := time.Now()
		res, err := run(ctx, sc)
		o.Time = time.Since(t0)
		if ctx.Err() != nil {
			return append(out, stopped(loaded[i:], opt, context.Cause(ctx))...), fmt.Errorf("gate %s: %w", name, err)
		}
		if err != nil && !errors.Is(err, result.ErrFinding) {
			return out, fmt.Errorf("gate %s: %w", name, err)
		}
		if res.Verdict != nil {
			o.Verdict = res.Verdict.Line
		}
		if opt.Update {
			if err != nil {
				return out, fmt.Errorf("gate %s: will not record a failing run as the baseline: %s", name, o.Verdict)
			}
			if err := result.Save(o.Baseline, res); err != nil {
				return out, err
			}
			o.Updated = true
			out = append(out, o)
			continue
		}
		if o.Checks, err = result.Compare(name, base, res, f.Gate); err != nil {
			return out, err
		}
		out = append(out, o)
	}
	return out, nil
}

// stopped are the outcomes of the scenarios a stopped gate did not judge:
// the first was running when cause stopped it, the others never ran.
func stopped(files []scenario.File, opt Options, cause error) []Outcome {
	var out []Outcome
	for i, f := range files {
		why := "not run: " + cause.Error()
		if i == 0 {
			why = "stopped during its run: " + cause.Error()
		}
		out = append(out, Outcome{Name: Name(f), File: f.Path, Baseline: filepath.Join(opt.BaselineDir, Name(f)+".json"), NotRun: why})
	}
	return out
}

// Summary is every check of the outcomes, in order, the time each
// scenario's run took, and how many scenarios regressed. Scenarios not
// run are in notRun, scenario by scenario, and in neither of the others.
func Summary(out []Outcome) (checks []result.Check, times map[string]time.Duration, regressed int, notRun map[string]string) {
	times, notRun = map[string]time.Duration{}, map[string]string{}
	for _, o := range out {
		if o.NotRun != "" {
			notRun[o.Name] = o.NotRun
			continue
		}
		checks = append(checks, o.Checks...)
		times[o.Name] = o.Time
		if !o.Pass() {
			regressed++
		}
	}
	return checks, times, regressed, notRun
}
