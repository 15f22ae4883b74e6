package main

import (
	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stress"
)

func newRunCmd(g *globals) *cobra.Command {
	sc := scenario.Default()
	var save string
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
with a 64 MiB buffer counts it), what the monitor received, the ENOBUFS
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
  nlstress run --vrids 64 --advert-int 100ms -o json --save /tmp/run.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := stress.Run(cmd.Context(), sc)
			if res.Lab.RunID != "" {
				if rerr := report.Run(cmd.OutOrStdout(), g.output, res); rerr != nil && err == nil {
					err = rerr
				}
				if save != "" {
					if serr := report.Save(save, res); serr != nil && err == nil {
						err = serr
					}
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&sc.VRIDs, "vrids", sc.VRIDs, "number of VRRP instances, 1 to 4080 (255 per interface: eth2, eth3, ...)")
	f.BoolVar(&sc.VMAC, "vmac", sc.VMAC, "give each subject instance a VMAC macvlan (00:00:5e:00:01:<vrid>), as use_vmac does")
	f.IntVar(&sc.Family, "family", sc.Family, "VRRP address family: 4 (6 is not built yet in the engine)")
	f.IntVar(&sc.Version, "vrrp-version", sc.Version, "VRRP version: 2 (RFC 3768, whole-second adverts) or 3 (RFC 5798)")
	f.DurationVar(&sc.AdvertInterval, "advert-int", sc.AdvertInterval, "advertisement interval, e.g. 1s (keepalived's default) or 100ms for fast runs (v3)")
	f.IntVar(&sc.VIPsPerVRID, "vips-per-vrid", sc.VIPsPerVRID, "virtual addresses per instance, 0 to 16")
	f.IntVar(&sc.RoutesPerVRID, "routes-per-vrid", sc.RoutesPerVRID, "virtual routes per instance, 0 to 8; any makes the monitor join the route and rule groups")
	f.Var(&sc.RcvBuf, "rcvbuf", "monitor receive buffer to request, e.g. 212992, 64K, 1M, 4MiB, 1MB (the kernel doubles it)")
	f.BoolVar(&sc.Force, "force", sc.Force, "set --rcvbuf with SO_RCVBUFFORCE, ignoring net.core.rmem_max (keepalived's _force); --force=false for plain SO_RCVBUF")
	f.BoolVar(&sc.NoENOBUFS, "no-enobufs", sc.NoENOBUFS, "set NETLINK_NO_ENOBUFS on the monitor: overruns are no longer reported, only counted by the kernel")
	f.Var(&sc.OnOverrun, "on-overrun", "what the monitor does after ENOBUFS: none (keepalived), resync (dump links and addresses), restart (reopen and dump)")
	f.DurationVar(&sc.ConsumerCost, "consumer-cost", sc.ConsumerCost, "processing time per netlink message (busy work), e.g. 20us, to model a slower daemon")
	f.IntVar(&sc.Flaps, "flaps", sc.Flaps, "how many times to take the subject's links down and up")
	f.DurationVar(&sc.DownFor, "down-for", sc.DownFor, "how long the link stays down; 0: until every instance is in FAULT and the peer took over")
	f.DurationVar(&sc.RecoveryTimeout, "recovery-timeout", sc.RecoveryTimeout, "how long to wait for every instance to be MASTER again after link up; 0: 3 Master_Down_Intervals + 5s")
	f.StringVar(&sc.Target, "target", sc.Target, "the router under test: builtin (nlstress's engine) or keepalived (the real daemon from PATH)")
	f.StringVar(&sc.KeepalivedBin, "keepalived-bin", "", "keepalived binary for --target keepalived (default: keepalived from PATH)")
	f.StringVar(&sc.KeepalivedConfExtra, "keepalived-conf-extra", "", "file of lines to add to keepalived's global_defs, for --target keepalived")
	f.BoolVar(&sc.KeepLab, "keep-lab", sc.KeepLab, "leave the lab in place for inspection ('ip netns'); remove it with 'nlstress cleanup'")
	f.StringVar(&save, "save", "", "also write the JSON result to this file (a baseline for 'nlstress gate')")
	return cmd
}
