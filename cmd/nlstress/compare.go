package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/outfile"
	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stress"
)

// compareOptions are what "nlstress compare" was asked.
type compareOptions struct {
	cmdIO
	// flags are the scenario flags as given; file the scenario file;
	// specs the --variant values (--flaps, per variant, is the scenario
	// flag's).
	flags scenario.Scenario
	file  string
	specs []string
	// save and chart are where to write the JSON and the SVG chart.
	save, chart string
	// Variants are the parsed variants, the first the baseline, and
	// Flaps how many flaps each gets (Validate).
	Variants []compare.Variant
	Flaps    int
}

// Validate makes the baseline from the file and the flags, and the
// variants from the file's compare section or --variant (which wins), and
// checks them all before any lab: keepalived reads their lines.
func (o *compareOptions) Validate() error {
	f, err := scenario.FromCommandLine(o.file, o.changed("file"), o.flags, scenario.DefaultSweep(), o.changed)
	if err != nil {
		return err
	}
	specs, flaps := f.Compare.Variants, f.Compare.Flaps
	if o.changed("variant") {
		specs = o.specs
	}
	if o.changed("flaps") {
		flaps = o.flags.Flaps
	}
	if flaps < 1 || flaps > scenario.MaxFlaps {
		return fmt.Errorf("%w: --flaps %d: want 1 to %d per variant", scenario.ErrInvalid, flaps, scenario.MaxFlaps)
	}
	if o.Variants, err = compare.Parse(f.Scenario, specs, stress.CheckVariant); err != nil {
		return err
	}
	o.Flaps = flaps
	return errors.Join(outfile.Check(o.save), outfile.Check(o.chart))
}

// Run flaps the lab under every variant, interleaved, and writes the
// comparison.
func (o *compareOptions) Run() error {
	progress := report.CompareProgress(o.errOut, len(o.Variants)*o.Flaps)
	rep, err := compare.Run(o.ctx, o.Variants, o.Flaps, stress.OpenCompareLab, progress)
	if len(rep.Order) == 0 {
		return err
	}
	keep := func(e error) {
		if e != nil && err == nil {
			err = e
		}
	}
	keep(report.Compare(o.out, o.g.output, rep))
	if o.save != "" {
		keep(outfile.Write(o.save, func(w io.Writer) error { return result.WriteJSON(w, rep) }))
	}
	keep(outfile.Write(o.chart, func(w io.Writer) error { return report.CompareSVG(w, rep) }))
	return err
}

// newCompareCmd is "nlstress compare"; runF, when set, is called with the
// validated options instead of Run.
func newCompareCmd(g *globals, runF func(*compareOptions) error) *cobra.Command {
	o := &compareOptions{cmdIO: cmdIO{g: g}, flags: scenario.Default()}
	cmd := &cobra.Command{
		Use:         "compare",
		Annotations: map[string]string{annQuietLogs: "true"},
		Short:       "Flap one lab under several variants (buffers, keepalived lines, scripts, load), interleaved, and test each against the baseline",
		Long: `compare runs one lab (generated, or a replayed --keepalived-conf) and flaps it
under several variants of its configuration, interleaved flap by flap
(A B C A B C ...) so that drift in the machine hits every variant alike.
The first variant is the baseline.

A variant is NAME=OPTIONS: OPTIONS empty for the lab as configured;
"global: LINE; LINE" for keepalived.conf lines in global_defs;
"instance: LINE; LINE" for lines in every vrrp_instance; or run options
as flags ("--rcvbuf 1000000 --force", "--notify-scripts --script-cost
5ms", "--host-load 50", "--keepalived-bin PATH" to compare versions). A
variant may change the daemon's configuration and the flaps', not the
lab: keepalived is restarted between variants only when its configuration
differs, the lab stays. keepalived reads every variant's lines before any
lab is built; a line it refuses is an error.

For each variant: the flaps that stranded instances and that lost
messages, each as k of n with its exact 95 % interval; the messages lost
per flap; the recovery; and against the baseline Fisher's exact test
(two-sided) on both rates, with its verdict in words and the smallest
change the flaps could see 80 % of the time. A variant whose daemon never
comes up is reported with the daemon's own words.

Exit codes: 0 compared; 2 bad variants or options; 130/143 interrupted
(the flaps measured so far are reported).`,
		Example: `  nlstress compare -f scenarios/incident-compare.yaml
  nlstress compare -f scenarios/incident-compare.yaml --save compare.json --chart compare.svg -o markdown
  nlstress compare --vrids 64 --vmac --advert-int 100ms --flaps 10 --variant 'small=--rcvbuf 16K' --variant 'big=--rcvbuf 4M'
  nlstress compare -f scenarios/incident.yaml --flaps 30 --variant 'base=' --variant 'fix=--rcvbuf 1000000 --force' --variant 'rt=global: vrrp_rt_priority 50; vrrp_rlimit_rttime 1000000'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return execOptions(cmd, &o.cmdIO, o, runF) },
	}
	f := cmd.Flags()
	addScenarioFlags(f, &o.flags, false)
	completeScenarioFlags(cmd)
	// --flaps is per variant here: the scenario's own --flaps is replaced.
	fl := f.Lookup("flaps")
	fl.Usage = "flaps per variant (default: the file's compare section, else 30)"
	fl.DefValue = "0" // the run's default of 1 is not this command's: help prints none
	f.StringVarP(&o.file, "file", "f", "", "read the baseline and its compare section (variants, flaps) from this YAML file")
	f.StringArrayVar(&o.specs, "variant", nil, "a variant NAME=OPTIONS (repeat; the first is the baseline); replaces the file's")
	f.StringVar(&o.save, "save", "", "also write the comparison's JSON to this file")
	f.StringVar(&o.chart, "chart", "", "also draw each variant's rates with their intervals as SVG into this file")
	return cmd
}
