package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/outfile"
	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stress"
)

// runOptions are what "nlstress run" was asked: the flags as given,
// and the scenario they make once validated.
type runOptions struct {
	cmdIO
	// flags are the scenario flags as given; file the scenario file.
	flags       scenario.Scenario
	file        string
	save, chart string
	// Scenario is the scenario to run: the file's, with the flags given
	// on top (Validate).
	Scenario scenario.Scenario
}

// Validate makes the scenario from the file and the flags given and
// checks it, and that the files to write can be written.
func (o *runOptions) Validate() error {
	f, err := scenario.FromCommandLine(o.file, o.changed("file"), o.flags, scenario.DefaultSweep(), o.changed)
	if err != nil {
		return err
	}
	o.Scenario = f.Scenario
	for _, p := range []string{o.save, o.chart} {
		if err := outfile.Check(p); err != nil {
			return err
		}
	}
	return nil
}

// Run runs the scenario and writes what it measured: the report, and the
// result and the chart when asked.
func (o *runOptions) Run() error {
	res, err := stress.Run(o.ctx, o.Scenario)
	// Stopped by a signal, a run still writes the flaps it finished
	// (INCOMPLETE); the exit code stays the signal's.
	if res.Lab.RunID == "" || (o.ctx.Err() != nil && res.Interrupted == nil) {
		return err
	}
	keep := func(e error) {
		if e != nil && err == nil {
			err = e
		}
	}
	keep(report.Run(o.out, o.g.output, res))
	if o.save != "" {
		keep(result.Save(o.save, res))
	}
	if o.chart != "" && len(res.Flaps) > 0 {
		keep(outfile.Write(o.chart, func(w io.Writer) error { return report.LossPositionSVG(w, res) }))
	}
	return err
}

// newRunCmd is "nlstress run"; runF, when set, is called with the
// validated options instead of Run (tests: the flags' wiring without a
// lab).
func newRunCmd(g *globals, runF func(*runOptions) error) *cobra.Command {
	o := &runOptions{cmdIO: cmdIO{g: g}, flags: scenario.Default()}
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Build a lab, run VRRP instances, flap links and measure netlink loss",
		Long: `run builds a lab of two network namespaces (nls-<run>-subject and
nls-<run>-peer) joined by veth pairs named eth2, eth3, ... (255 VRIDs per
interface), runs N VRRP instances on each side (subject priority 200 with
preemption, peer priority 100), and flaps the subject's links. The subject
learns link state only from its netlink monitor socket, whose receive buffer
is the one under test (--rcvbuf), and which it reads the way keepalived does:
one event loop, and on overrun the --on-overrun policy (none: keepalived's).

It reports, per link transition, the storm the kernel sent (an oracle socket
with a buffer sized from the scenario counts it), what the monitor received, the ENOBUFS
episodes and the kernel's own drop counter, the time to FAULT and back to
MASTER per instance, the instances stuck in FAULT, and the buffer that would
have held the largest storm, as keepalived configuration lines.

The lab is removed on exit, on error, on Ctrl-C (SIGINT) and SIGTERM.

Exit codes: 0 every instance recovered and no netlink loss; 1 a finding
(instances stuck, or messages lost); 2 usage or environment error.`,
		Example: `  nlstress run
  nlstress run --vrids 255 --rcvbuf 1M
  nlstress run --vrids 255 --vmac --rcvbuf 64K --on-overrun none
  nlstress run --vrids 255 --vmac --rcvbuf 64K --on-overrun resync
  nlstress run --vrids 64 --advert-int 100ms --vips-per-vrid 4 --routes-per-vrid 2
  nlstress run --vrids 255 --vmac --target keepalived
  nlstress run --vrids 255 --vmac --target keepalived --rcvbuf 1000000 --force
  nlstress run --vrids 64 --vmac --keep-lab
  nlstress run --vrids 64 --advert-int 100ms -o json --save /tmp/run.json
  nlstress run -f scenarios/vmac-255.yaml --rcvbuf 1M
  nlstress run -f scenarios/incident.yaml --target builtin --chart loss.svg`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return execOptions(cmd, &o.cmdIO, o, runF) },
	}
	f := cmd.Flags()
	addScenarioFlags(f, &o.flags, false)
	completeScenarioFlags(cmd)
	f.StringVarP(&o.file, "file", "f", "", "read the scenario from this YAML file (scenarios/*.yaml); flags given as well override it")
	f.StringVar(&o.save, "save", "", "also write the JSON result to this file (a baseline for 'nlstress gate')")
	f.StringVar(&o.chart, "chart", "", "also write an SVG chart of where in each flap's storms the monitor's losses fell, per instance, and which instances stayed in FAULT")
	return cmd
}
