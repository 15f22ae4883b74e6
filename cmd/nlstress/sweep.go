package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/capacity"
	"github.com/nlstress/nlstress/pkg/outfile"
	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stress"
)

func newSweepCmd(g *globals) *cobra.Command {
	sc := scenario.Default()
	sw := scenario.DefaultSweep()
	var file, csvPath, chartPath string
	var compare bool
	cmd := &cobra.Command{
		Use:         "sweep",
		Annotations: map[string]string{annQuietLogs: "true"},
		Short:       "Find the smallest safe receive buffer for each VRID count (capacity planning)",
		Long: `sweep runs the stress run over VRID counts and buffer sizes. For each VRID
count it bisects between --rcvbuf-min and --rcvbuf-max (forced buffers) for
the smallest buffer with zero netlink loss and every instance recovered,
confirms it with --repeat more runs, adds --margin, and prints the setting
and its keepalived lines. It fits bytes ≈ a + b × VRIDs through the results
so you can extrapolate to counts you did not run.

Runs of the sweep use the same options as run (--vmac, --advert-int,
--vips-per-vrid, ...); 100ms adverts keep a sweep to a couple of minutes.`,
		Example: `  nlstress sweep --vrids 64,128,255 --vmac --advert-int 100ms
  nlstress sweep -f scenarios/capacity.yaml --chart sweep.svg --csv sweep.csv
  nlstress sweep --vrids 255 --vips-per-vrid 4 --routes-per-vrid 2 --advert-int 100ms -o json
  nlstress sweep --compare --vrids 64,128,255 --vmac --advert-int 100ms`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := scenario.FromCommandLine(file, cmd.Flags().Changed("file"), sc, sw, cmd.Flags().Changed)
			if err != nil {
				return err
			}
			base, plan := f.Scenario, f.Sweep
			for _, p := range []string{csvPath, chartPath} {
				if err := outfile.Check(p); err != nil {
					return err
				}
			}
			progress := report.SweepProgress(cmd.ErrOrStderr(), capacity.Estimate(plan))
			if compare {
				targets := []scenario.Target{scenario.TargetBuiltin, scenario.TargetKeepalived}
				reps, err := capacity.Compare(cmd.Context(), base, plan, targets, stress.Run, progress)
				if err != nil {
					return err
				}
				return report.SweepComparison(cmd.OutOrStdout(), g.output, reps, targets)
			}
			rep, err := capacity.Sweep(cmd.Context(), base, plan, stress.Run, progress)
			if err != nil {
				return err
			}
			if err := outfile.Write(csvPath, func(w io.Writer) error { return report.SweepCSV(w, rep) }); err != nil {
				return err
			}
			if err := outfile.Write(chartPath, func(w io.Writer) error { return report.SweepSVG(w, rep) }); err != nil {
				return err
			}
			return report.Sweep(cmd.OutOrStdout(), g.output, rep)
		},
	}
	f := cmd.Flags()
	addScenarioFlags(f, &sc, true)
	completeScenarioFlags(cmd)
	f.IntSliceVar(&sw.VRIDs, "vrids", sw.VRIDs, "VRID counts to sweep, e.g. 64,128,255")
	f.Var(&sw.RcvBufMin, "rcvbuf-min", "smallest buffer request to try")
	f.Var(&sw.RcvBufMax, "rcvbuf-max", "largest buffer request to try")
	f.IntVar(&sw.Repeat, "repeat", sw.Repeat, "runs that must also pass at the smallest buffer found")
	f.Float64Var(&sw.Margin, "margin", sw.Margin, "head-room added to the smallest safe buffer (0.25 = 25 %)")
	f.StringVarP(&file, "file", "f", "", "read the scenario and its sweep section from this YAML file")
	f.BoolVar(&compare, "compare", false, "run the sweep on the built-in engine and on keepalived, and print them side by side")
	f.StringVar(&csvPath, "csv", "", "also write every run as CSV to this file")
	f.StringVar(&chartPath, "chart", "", "also write an SVG chart (drops vs buffer; smallest safe buffer vs VRIDs) to this file")
	return cmd
}
