package main

import (
	"errors"
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
		Long: `sweep measures, for each VRID count, how big the monitor's buffer must be.
It builds one lab per VRID count, lets the routers converge, and flaps it
again and again, changing only the (forced) buffer between flaps: the
engine's socket is resized in place, keepalived is restarted with the new
vrrp_netlink_monitor_rcv_bufs. It bisects between --rcvbuf-min and
--rcvbuf-max with one flap per buffer, then confirms the smallest clean
buffer with --confirm flaps in a row (30 by default: "0 of 30" bounds the
loss probability below 10 % at 95 % confidence), moving up whenever one of
them loses a message.

Loss near the threshold is a probability, not a line: the table gives the
loss rate at every buffer probed with its exact 95 % interval. The
recommendation is the larger of the measured bound and the whole-storm
bound (a buffer that holds the largest storm whole loses nothing however
slow the reader), plus --margin, and it says which. A line
bytes ≈ a + b × VRIDs through the results extrapolates to counts you did
not run.

Flaps of the sweep are full flaps with the same options as run (--vmac,
--advert-int, --vips-per-vrid, ...), so their storms are a run's.`,
		Example: `  nlstress sweep --vrids 64,128,255 --vmac --advert-int 100ms
  nlstress sweep -f scenarios/capacity.yaml --chart sweep.svg --csv sweep.csv
  nlstress sweep --vrids 255 --vips-per-vrid 4 --routes-per-vrid 2 --advert-int 100ms -o json
  nlstress sweep --compare --vrids 64,128,255 --vmac --advert-int 100ms
  nlstress sweep --target keepalived --keepalived-conf scenarios/keepalived/multi-vip-routes.conf --confirm 10`,
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
			plan, err = capacity.Resolve(base, plan)
			if err != nil {
				return err
			}
			progress := report.SweepProgress(cmd.ErrOrStderr(), capacity.Estimate(plan))
			if compare && csvPath != "" {
				return errors.New("--csv writes one sweep's probes: it does not go with --compare (use -o json for every target's)")
			}
			if compare {
				targets := []scenario.Target{scenario.TargetBuiltin, scenario.TargetKeepalived, scenario.TargetFRR}
				reps, err := capacity.Compare(cmd.Context(), base, plan, targets, stress.OpenLab, progress)
				if err != nil {
					return err
				}
				if err := outfile.Write(chartPath, func(w io.Writer) error { return report.SweepComparisonSVG(w, reps, targets) }); err != nil {
					return err
				}
				return report.SweepComparison(cmd.OutOrStdout(), g.output, reps, targets)
			}
			rep, err := capacity.Sweep(cmd.Context(), base, plan, stress.OpenLab, progress)
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
	f.IntVar(&sw.Confirm, "confirm", sw.Confirm, "flaps in a row that must lose nothing before a buffer is called safe (30: loss rate below 10 % at 95 % confidence)")
	f.Float64Var(&sw.Margin, "margin", sw.Margin, "head-room added to the smallest safe buffer (0.25 = 25 %)")
	f.StringVarP(&file, "file", "f", "", "read the scenario and its sweep section from this YAML file")
	f.BoolVar(&compare, "compare", false, "run the sweep on the built-in engine, keepalived and FRR, and print them side by side")
	f.StringVar(&csvPath, "csv", "", "also write every buffer probed (flaps, loss rate and its 95 % interval) as CSV to this file")
	f.StringVar(&chartPath, "chart", "", "also write an SVG chart (loss probability vs buffer; smallest safe buffer vs VRIDs) to this file")
	return cmd
}
