package gate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// fakeRun passes unless the buffer is under 1 MiB, where it drops.
func fakeRun(_ context.Context, sc scenario.Scenario) (result.Result, error) {
	r := result.Result{SchemaVersion: result.SchemaVersion, Scenario: sc,
		Totals:  &result.Totals{Balanced: result.Bool(true), LargestStorm: 600000, Recovery: result.Durations{P95: time.Second}},
		Verdict: &result.Verdict{Status: result.StatusPass, Line: "PASS"}}
	if sc.RcvBuf < 1<<20 {
		r.Totals.Drops = 200
		r.Verdict = &result.Verdict{Status: result.StatusLoss, Line: "LOSS: lost 200"}
		return r, fmt.Errorf("%w: lost", result.ErrFinding)
	}
	return r, nil
}

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGate(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "good.yaml", "vrids: 64\nrcvbuf: 1M\n")
	opt := Options{BaselineDir: dir}
	if _, err := Run(context.Background(), []string{good}, opt, fakeRun); !errors.Is(err, ErrNoBaseline) {
		t.Fatalf("without a baseline: %v, want ErrNoBaseline", err)
	}
	opt.Update = true
	out, err := Run(context.Background(), []string{good}, opt, fakeRun)
	if err != nil || !out[0].Updated {
		t.Fatalf("update: %+v, %v", out, err)
	}
	opt.Update = false
	out, err = Run(context.Background(), []string{good}, opt, fakeRun)
	if err != nil || !out[0].Pass() {
		t.Fatalf("against its own baseline: %+v, %v", out, err)
	}
	// The same scenario with a smaller buffer, compared with a baseline of
	// that scenario taken from a good run: the drops metric fails.
	small := write(t, dir, "small.yaml", "name: small\nvrids: 64\nrcvbuf: 64K\n")
	base, _ := result.Load(filepath.Join(dir, "good.json"))
	base.Scenario.Name, base.Scenario.RcvBuf = "small", 64<<10
	if err := result.Save(filepath.Join(dir, "small.json"), base); err != nil {
		t.Fatal(err)
	}
	out, err = Run(context.Background(), []string{small}, opt, fakeRun)
	if err != nil || out[0].Pass() {
		t.Fatalf("small buffer: %+v, %v; want a failed check", out, err)
	}
	if c := out[0].Checks[0]; c.Metric != "kernel_drops" || c.Pass {
		t.Fatalf("first check %+v, want kernel_drops failed", c)
	}
	opt.Update = true
	if _, err := Run(context.Background(), []string{small}, opt, fakeRun); err == nil {
		t.Fatal("a failing run was recorded as a baseline")
	}
}

func TestGateMalformedScenarioRunsNothing(t *testing.T) {
	dir := t.TempDir()
	good := write(t, dir, "good.yaml", "vrids: 64\n")
	bad := write(t, dir, "bad.yaml", "vrids: 64\nfrobnicate: 1\n")
	ran := 0
	run := func(ctx context.Context, sc scenario.Scenario) (result.Result, error) { ran++; return fakeRun(ctx, sc) }
	_, err := Run(context.Background(), []string{good, bad}, Options{BaselineDir: dir, Update: true}, run)
	if !errors.Is(err, scenario.ErrInvalid) || ran != 0 {
		t.Fatalf("err %v after %d runs; want ErrInvalid before any run", err, ran)
	}
}

// A check skipped as not measurable is no regression; a failed one is.
func TestSummary(t *testing.T) {
	out := []Outcome{
		{Checks: []result.Check{{Metric: "kernel_drops", Pass: true}, {Metric: "books_balance", Skipped: true}}},
		{Checks: []result.Check{{Metric: "kernel_drops", Pass: false}}},
	}
	checks, _, regressed, _ := Summary(out)
	if len(checks) != 3 || regressed != 1 {
		t.Fatalf("%d checks, %d regressed; want 3 and 1", len(checks), regressed)
	}
}

// A gate stopped during its second of three scenarios judges the first,
// and says of the second that it was stopped during its run and of the
// third that it never ran.
func TestGateStopped(t *testing.T) {
	dir := t.TempDir()
	var files []string
	for _, n := range []string{"a", "b", "c"} {
		files = append(files, write(t, dir, n+".yaml", "vrids: 64\nrcvbuf: 1M\n"))
	}
	if _, err := Run(context.Background(), files, Options{BaselineDir: dir, Update: true}, fakeRun); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	stop := errors.New("interrupted by SIGTERM")
	run := func(ctx context.Context, sc scenario.Scenario) (result.Result, error) {
		if sc.Name == "b" {
			cancel(stop)
			return result.Result{}, context.Cause(ctx)
		}
		return fakeRun(ctx, sc)
	}
	out, err := Run(ctx, files, Options{BaselineDir: dir}, run)
	if !errors.Is(err, stop) || len(out) != 3 {
		t.Fatalf("%+v, %v: want three outcomes and the stop", out, err)
	}
	checks, _, regressed, notRun := Summary(out)
	if len(checks) == 0 || regressed != 0 || len(notRun) != 2 ||
		notRun["b"] != "stopped during its run: interrupted by SIGTERM" || notRun["c"] != "not run: interrupted by SIGTERM" {
		t.Fatalf("checks %d, regressed %d, not run %v", len(checks), regressed, notRun)
	}
}
