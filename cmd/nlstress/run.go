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

func newRunCmd(g *globals) *cobra.Command {
	sc := scenario.Default()
	var save, file, chart string
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := scenario.FromCommandLine(file, cmd.Flags().Changed("file"), sc, scenario.DefaultSweep(), cmd.Flags().Changed)
			if err != nil {
				return err
			}
			run := f.Scenario
			for _, p := range []string{save, chart} {
				if err := outfile.Check(p); err != nil {
					return err
				}
			}
			res, err := stress.Run(cmd.Context(), run)
			if res.Lab.RunID != "" && cmd.Context().Err() == nil {
				if rerr := report.Run(cmd.OutOrStdout(), g.output, res); rerr != nil && err == nil {
					err = rerr
				}
				if save != "" {
					if serr := result.Save(save, res); serr != nil && err == nil {
						err = serr
					}
				}
				if chart != "" && len(res.Flaps) > 0 {
					if cerr := outfile.Write(chart, func(w io.Writer) error { return report.LossPositionSVG(w, res) }); cerr != nil && err == nil {
						err = cerr
					}
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	addScenarioFlags(f, &sc, false)
	completeScenarioFlags(cmd)
	f.StringVarP(&file, "file", "f", "", "read the scenario from this YAML file (scenarios/*.yaml); flags given as well override it")
	f.StringVar(&save, "save", "", "also write the JSON result to this file (a baseline for 'nlstress gate')")
	f.StringVar(&chart, "chart", "", "also write an SVG chart of where in each flap's storms the monitor's losses fell, per instance, and which instances stayed in FAULT")
	return cmd
}
