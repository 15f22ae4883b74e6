package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/gate"
	"github.com/nlstress/nlstress/pkg/outfile"
	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/stress"
)

// gateOptions are what "nlstress gate" was asked.
type gateOptions struct {
	cmdIO
	gate.Options
	// Files are the scenario files to gate; junit the JUnit file to
	// write.
	Files []string
	junit string
}

// Validate checks that the JUnit file can be written.
func (o *gateOptions) Validate() error { return outfile.Check(o.junit) }

// Run gates each scenario against its baseline, writes the JUnit file
// whatever happened, and the table.
func (o *gateOptions) Run() error {
	out, err := gate.Run(o.ctx, o.Files, o.Options, stress.Run)
	checks, times, regressed, notRun := gate.Summary(out)
	// The JUnit file is written whatever happened: a gate that stopped on
	// an error reports it as an error testcase.
	if werr := outfile.Write(o.junit, func(w io.Writer) error {
		return report.JUnit(w, report.GateRun{Checks: checks, Times: times, Err: err, NotRun: notRun})
	}); werr != nil && err == nil {
		err = werr
	}
	if err != nil {
		// Stopped by a signal: the scenarios judged before it are shown.
		if o.ctx.Err() != nil && len(checks) > 0 && !o.Update {
			if rerr := report.Gate(o.out, o.g.output, checks); rerr != nil {
				return errors.Join(err, rerr)
			}
		}
		return err
	}
	for _, g := range out {
		if g.Updated {
			fmt.Fprintf(o.errOut, "baseline %s written: %s\n", g.Baseline, g.Verdict)
		}
	}
	if !o.Update {
		if err := report.Gate(o.out, o.g.output, checks); err != nil {
			return err
		}
	}
	if regressed > 0 {
		return fmt.Errorf("%w: %d of %d scenarios regressed", result.ErrFinding, regressed, len(out))
	}
	return nil
}

// newGateCmd is "nlstress gate"; runF, when set, is called with the
// validated options instead of Run.
func newGateCmd(g *globals, runF func(*gateOptions) error) *cobra.Command {
	o := &gateOptions{cmdIO: cmdIO{g: g}, Options: gate.Options{BaselineDir: "results"}}
	opt := &o.Options
	cmd := &cobra.Command{
		Use:   "gate SCENARIO.yaml...",
		Short: "Run scenarios and fail on a regression against committed baselines (CI gate)",
		Long: `gate runs each scenario file and holds the result against the baseline of the
same name in --baseline-dir (results/<name>.json) under the thresholds in the
file's gate section: kernel drops and stuck instances against fixed maxima,
recovery p95 against the baseline × factor + slack, and the largest storm
against the baseline × factor. It prints a table of baseline, now, limit and
verdict per metric, and with --junit writes JUnit XML naming each metric.

--update-baseline records each run as the new baseline instead (a run that
fails its own verdict is never recorded).

Exit codes: 0 no regression; 1 a regression; 2 a bad scenario file, a
missing baseline, or a run that could not measure.`,
		Example: `  nlstress gate scenarios/ci-gate.yaml
  nlstress gate scenarios/ci-gate.yaml --junit gate.xml
  nlstress gate --update-baseline scenarios/ci-gate.yaml`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, files []string) error {
			o.Files = files
			return execOptions(cmd, &o.cmdIO, o, runF)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.BaselineDir, "baseline-dir", opt.BaselineDir, "where baselines <name>.json live")
	f.BoolVar(&opt.Update, "update-baseline", false, "record each run as the new baseline instead of comparing")
	f.StringVar(&o.junit, "junit", "", "also write JUnit XML (one testcase per scenario and metric) to this file")
	return cmd
}
