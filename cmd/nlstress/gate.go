package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/gate"
	"github.com/nlstress/nlstress/pkg/outfile"
	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/stress"
)

func newGateCmd(g *globals) *cobra.Command {
	opt := gate.Options{BaselineDir: "results"}
	var junit string
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
			if err := outfile.Check(junit); err != nil {
				return err
			}
			out, err := gate.Run(cmd.Context(), files, opt, stress.Run)
			checks, times, regressed := gate.Summary(out)
			// The JUnit file is written whatever happened: a gate that
			// stopped on an error reports it as an error testcase.
			if werr := outfile.Write(junit, func(w io.Writer) error {
				return report.JUnit(w, report.GateRun{Checks: checks, Times: times, Err: err})
			}); werr != nil && err == nil {
				err = werr
			}
			if err != nil {
				return err
			}
			for _, o := range out {
				if o.Updated {
					fmt.Fprintf(cmd.ErrOrStderr(), "baseline %s written: %s\n", o.Baseline, o.Verdict)
				}
			}
			if !opt.Update {
				if err := report.Gate(cmd.OutOrStdout(), g.output, checks); err != nil {
					return err
				}
			}
			if regressed > 0 {
				return fmt.Errorf("%w: %d of %d scenarios regressed", result.ErrFinding, regressed, len(out))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.BaselineDir, "baseline-dir", opt.BaselineDir, "where baselines <name>.json live")
	f.BoolVar(&opt.Update, "update-baseline", false, "record each run as the new baseline instead of comparing")
	f.StringVar(&junit, "junit", "", "also write JUnit XML (one testcase per scenario and metric) to this file")
	return cmd
}
