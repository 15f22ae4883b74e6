package main

import (
	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stress"
)

func newRunCmd(g *globals) *cobra.Command {
	sc := scenario.Default()
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Build a lab, run VRRP instances, flap links and measure netlink loss",
		Long: `run builds a lab of two network namespaces (nls-<run>-subject and
nls-<run>-peer) joined by veth pairs named eth2, eth3, ... (255 VRIDs per
interface), with one VMAC macvlan per VRID when --vmac is set, and removes it
on exit, on error and on Ctrl-C.

The VRRP routers, the link flaps and the netlink measurements are not built
yet (issue 5): for now run builds and removes the lab, prints it, and exits 2
saying so.`,
		Example: `  nlstress run
  nlstress run --vrids 255 --rcvbuf 1M
  nlstress run --vrids 64 --vmac --keep-lab`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := stress.Run(cmd.Context(), sc)
			if res.Lab.RunID != "" {
				if rerr := report.Run(cmd.OutOrStdout(), g.output, res); rerr != nil && err == nil {
					err = rerr
				}
			}
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&sc.VRIDs, "vrids", sc.VRIDs, "number of VRRP instances, 1 to 4080 (255 per interface: eth2, eth3, ...)")
	f.BoolVar(&sc.VMAC, "vmac", sc.VMAC, "give each instance a VMAC macvlan (00:00:5e:00:01:<vrid>), as use_vmac does")
	f.IntVar(&sc.Family, "family", sc.Family, "VRRP address family: 4 or 6")
	f.Var(&sc.RcvBuf, "rcvbuf", "monitor socket receive buffer to request, e.g. 212992, 64K, 1M, 4MiB, 1MB (the kernel doubles it)")
	f.BoolVar(&sc.Force, "force", sc.Force, "set --rcvbuf with SO_RCVBUFFORCE, ignoring net.core.rmem_max (keepalived's _force)")
	f.BoolVar(&sc.KeepLab, "keep-lab", sc.KeepLab, "leave the lab in place for inspection ('ip netns'); remove it with 'nlstress cleanup'")
	return cmd
}
