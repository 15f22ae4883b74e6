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
	"github.com/nlstress/nlstress/pkg/target"
)

// sweepOptions are what "nlstress sweep" was asked.
type sweepOptions struct {
	cmdIO
	// flags and sweepFlags are the flags as given; file the scenario
	// file.
	flags              scenario.Scenario
	sweepFlags         scenario.Sweep
	file               string
	csvPath, chartPath string
	compare            bool
	// Scenario and Sweep are the lab and the sweep to run (Validate).
	Scenario scenario.Scenario
	Sweep    scenario.Sweep
}

// Validate makes the scenario and the sweep from the file and the flags,
// resolves the VRID counts (a replayed configuration's own), and checks
// the combination and the files to write.
func (o *sweepOptions) Validate() error {
	f, err := scenario.FromCommandLine(o.file, o.changed("file"), o.flags, o.sweepFlags, o.changed)
	if err != nil {
		return err
	}
	o.Scenario = f.Scenario
	for _, p := range []string{o.csvPath, o.chartPath} {
		if err := outfile.Check(p); err != nil {
			return err
		}
	}
	if o.compare && o.csvPath != "" {
		return errors.New("--csv writes one sweep's probes: it does not go with --compare (use -o json for every target's)")
	}
	o.Sweep, err = capacity.Resolve(o.Scenario, f.Sweep)
	return err
}

// Run sweeps, or compares the targets, and writes the answer.
func (o *sweepOptions) Run() error {
	progress := report.SweepProgress(o.errOut, capacity.Estimate(o.Sweep))
	if o.compare {
		// Every target whose buffer nlstress sets between flaps.
		targets := target.Where(func(t target.Traits) bool { return !t.OwnBuffer })
		reps, err := capacity.Compare(o.ctx, o.Scenario, o.Sweep, targets, stress.OpenLab, progress)
		if err != nil {
			return err
		}
		if err := outfile.Write(o.chartPath, func(w io.Writer) error { return report.SweepComparisonSVG(w, reps, targets) }); err != nil {
			return err
		}
		return report.SweepComparison(o.out, o.g.output, reps, targets)
	}
	rep, err := capacity.Sweep(o.ctx, o.Scenario, o.Sweep, stress.OpenLab, progress)
	// Stopped by a signal, a sweep still writes what it measured; the
	// exit code stays the signal's.
	if err != nil && (rep.Interrupted == nil || len(rep.Probes) == 0) {
		return err
	}
	return errors.Join(err,
		outfile.Write(o.csvPath, func(w io.Writer) error { return report.SweepCSV(w, rep) }),
		outfile.Write(o.chartPath, func(w io.Writer) error { return report.SweepSVG(w, rep) }),
		report.Sweep(o.out, o.g.output, rep))
}

// newSweepCmd is "nlstress sweep"; runF, when set, is called with the
// validated options instead of Run.
func newSweepCmd(g *globals, runF func(*sweepOptions) error) *cobra.Command {
	o := &sweepOptions{cmdIO: cmdIO{g: g}, flags: scenario.Default(), sweepFlags: scenario.DefaultSweep()}
	sw := &o.sweepFlags
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
  nlstress sweep --vrids 255 --vmac --advert-int 100ms --method peaks
  nlstress sweep --target keepalived --keepalived-conf scenarios/keepalived/multi-vip-routes.conf --confirm 10`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return execOptions(cmd, &o.cmdIO, o, runF) },
	}
	f := cmd.Flags()
	addScenarioFlags(f, &o.flags, true)
	completeScenarioFlags(cmd)
	f.IntSliceVar(&sw.VRIDs, "vrids", sw.VRIDs, "VRID counts to sweep, e.g. 64,128,255")
	f.Var(&sw.RcvBufMin, "rcvbuf-min", "smallest buffer request to try")
	f.Var(&sw.RcvBufMax, "rcvbuf-max", "largest buffer request to try")
	f.IntVar(&sw.Confirm, "confirm", sw.Confirm, "flaps in a row that must lose nothing before a buffer is called safe (30: loss rate below 10 % at 95 % confidence)")
	f.Float64Var(&sw.Margin, "margin", sw.Margin, "head-room added to the smallest safe buffer (0.25 = 25 %)")
	f.StringVar(&sw.Method, "method", sw.Method, "how to find the smallest safe buffer: bisect (one flap per buffer, then --confirm flaps at the smallest clean one) or peaks (--confirm flaps: all but 3 at --rcvbuf-max with the queue's peak read in the kernel, the loss curve at every buffer at once, then 3 at the smallest buffer none of them passed)")
	f.StringVarP(&o.file, "file", "f", "", "read the scenario and its sweep section from this YAML file")
	f.BoolVar(&o.compare, "compare", false, "run the sweep on the built-in engine, keepalived and FRR, and print them side by side")
	f.StringVar(&o.csvPath, "csv", "", "also write every buffer probed (flaps, loss rate and its 95 % interval) as CSV to this file")
	f.StringVar(&o.chartPath, "chart", "", "also write an SVG chart (loss probability vs buffer; smallest safe buffer vs VRIDs) to this file")
	_ = cmd.RegisterFlagCompletionFunc("method", cobra.FixedCompletions([]string{scenario.SweepBisect, scenario.SweepPeaks}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}
