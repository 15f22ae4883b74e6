package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nlstress/nlstress/pkg/scenario"
)

// addScenarioFlags binds the flags that set a scenario, for run and sweep;
// sweep binds --vrids and --rcvbuf itself, as a list and bounds.
func addScenarioFlags(f *pflag.FlagSet, sc *scenario.Scenario, sweep bool) {
	if !sweep {
		f.IntVar(&sc.VRIDs, "vrids", sc.VRIDs, "number of VRRP instances, 1 to 4080 (255 per interface: eth2, eth3, ...)")
		f.Var(&sc.RcvBuf, "rcvbuf", "monitor receive buffer to request, e.g. 212992, 64K, 1M, 4MiB, 1MB (the kernel doubles it); unset: the daemon's default (keepalived's 64K, plain SO_RCVBUF)")
		f.BoolVar(&sc.Force, "force", sc.Force, "set --rcvbuf with SO_RCVBUFFORCE, ignoring net.core.rmem_max (keepalived's _force); --force=false for plain SO_RCVBUF")
		f.IntVar(&sc.Flaps, "flaps", sc.Flaps, "how many times to take the subject's links down and up")
		f.BoolVar(&sc.KeepLab, "keep-lab", sc.KeepLab, "leave the lab in place for inspection ('ip netns'); remove it with 'nlstress cleanup'")
	}
	f.BoolVar(&sc.VMAC, "vmac", sc.VMAC, "give each subject instance a VMAC macvlan (00:00:5e:00:01:<vrid>), as use_vmac does")
	f.IntVar(&sc.Family, "family", sc.Family, "VRRP address family: 4, or 6 (VRRPv3 from link-local addresses)")
	f.IntVar(&sc.Version, "vrrp-version", sc.Version, "VRRP version: 2 (RFC 3768, whole-second adverts) or 3 (RFC 5798)")
	f.DurationVar(&sc.AdvertInterval, "advert-int", sc.AdvertInterval, "advertisement interval, e.g. 1s (keepalived's default) or 100ms for fast runs (v3)")
	f.IntVar(&sc.VIPsPerVRID, "vips-per-vrid", sc.VIPsPerVRID, "virtual addresses per instance, 0 to 16")
	f.IntVar(&sc.RoutesPerVRID, "routes-per-vrid", sc.RoutesPerVRID, "virtual routes per instance, 0 to 8; any makes the monitor join the route and rule groups")
	f.BoolVar(&sc.NoENOBUFS, "no-enobufs", sc.NoENOBUFS, "set NETLINK_NO_ENOBUFS on the monitor: overruns are no longer reported, only counted by the kernel")
	f.Var(&sc.OnOverrun, "on-overrun", "what the monitor does after ENOBUFS: none (keepalived), resync (dump links and addresses), restart (reopen and dump)")
	f.DurationVar(&sc.ConsumerCost, "consumer-cost", sc.ConsumerCost, "processing time per netlink message (busy work), e.g. 20us, to model a slower daemon")
	f.DurationVar(&sc.DownFor, "down-for", sc.DownFor, "how long the link stays down; 0: until every instance is in FAULT and the peer took over")
	f.DurationVar(&sc.RecoveryTimeout, "recovery-timeout", sc.RecoveryTimeout, "hard limit on the wait for every instance to be MASTER again after link up; 0: 3 Master_Down_Intervals + 5s, longer while instances are still recovering")
	f.StringVar(&sc.Target, "target", sc.Target, "the router under test: builtin (nlstress's engine), keepalived (the real daemon from PATH) or exec (--target-cmd)")
	f.StringVar(&sc.TargetCmd, "target-cmd", "", "with --target exec: shell command that starts the VRRP daemon under test in the subject namespace (see README)")
	f.StringVar(&sc.KeepalivedBin, "keepalived-bin", "", "keepalived binary for --target keepalived (default: keepalived from PATH)")
	f.StringVar(&sc.KeepalivedConfExtra, "keepalived-conf-extra", "", "file of lines to add to keepalived's global_defs, for --target keepalived")
}

// completeScenarioFlags offers the values of the enum flags that
// addScenarioFlags binds, for shell completion.
func completeScenarioFlags(cmd *cobra.Command) {
	for flag, values := range map[string][]string{
		"target":       {scenario.TargetBuiltin, scenario.TargetKeepalived, scenario.TargetExec},
		"on-overrun":   {string(scenario.PolicyNone), string(scenario.PolicyResync), string(scenario.PolicyRestart)},
		"family":       {"4", "6"},
		"vrrp-version": {"2", "3"},
	} {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
}
