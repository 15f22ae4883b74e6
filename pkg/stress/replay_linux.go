package stress

import (
	"fmt"
	"log/slog"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// loadReplay reads sc's keepalived configuration to replay, if any, and
// derives the scenario's instance fields from it, so that the result, the
// oracle's groups and the timeouts describe what runs. It builds nothing.
func loadReplay(sc scenario.Scenario) (*replay.Replay, scenario.Scenario, error) {
	if sc.KeepalivedConf == "" {
		return nil, sc, nil
	}
	addrs, err := replay.ParseAddresses(sc.InterfaceAddress)
	if err != nil {
		return nil, sc, err
	}
	rp, err := replay.Load(replay.Options{Conf: sc.KeepalivedConf, ConfigID: sc.ConfigID, Addresses: addrs})
	if err != nil {
		return nil, sc, err
	}
	sc = derive(sc, rp)
	slog.Info("replaying", "summary", rp.Summary())
	for _, c := range rp.Changes {
		slog.Warn("replay rewrites", "change", c.String())
	}
	if err := sc.Validate(); err != nil {
		return nil, sc, fmt.Errorf("%s: %w", sc.KeepalivedConf, err)
	}
	return rp, sc, nil
}

// derive is sc with its instance fields from the replayed configuration,
// so that the result, the oracle's groups and the timeouts describe what
// runs; with no --rcvbuf, the configuration's own buffer is the one under
// test.
func derive(sc scenario.Scenario, rp *replay.Replay) scenario.Scenario {
	sc.VRIDs, sc.VMAC, sc.Family, sc.VIPsPerVRID, sc.RoutesPerVRID = len(rp.Instances), false, 4, 0, 0
	sc.Version, sc.AdvertInterval = rp.Instances[0].Version, 0
	for i, in := range rp.Instances {
		c := rp.Config.Instances[i]
		sc.VMAC = sc.VMAC || in.VMAC != ""
		if in.Family == 6 {
			sc.Family = 6
		}
		sc.VIPsPerVRID = max(sc.VIPsPerVRID, len(c.AllVIPs()))
		sc.RoutesPerVRID = max(sc.RoutesPerVRID, len(c.Routes)+len(c.Rules))
		sc.AdvertInterval = max(sc.AdvertInterval, in.AdvertInt)
	}
	if sc.RcvBuf == 0 && rp.Config.RcvBufs > 0 {
		sc.RcvBuf, sc.Force = bytesize.Size(rp.Config.RcvBufs), rp.Config.Force
	}
	return sc
}

// replaySpecs are one side's instances for a replay: the configuration's
// VRIDs, versions, intervals and VIPs; the subject at its configured
// priority, the peer at replay.PeerPriority.
func replaySpecs(rp *replay.Replay, l *lab.Lab, role lab.Role) []vrrp.InstanceSpec {
	out := make([]vrrp.InstanceSpec, 0, len(rp.Instances))
	for i, in := range rp.Instances {
		ifc := l.Interfaces[l.Instances[i].Interface]
		primary, gateway := endpoints(ifc, in.Family, role)
		prio := in.Priority
		if role == lab.RolePeer {
			prio = replay.PeerPriority
		}
		out = append(out, vrrp.InstanceSpec{
			Config: vrrp.Config{VRID: in.VRID, Priority: prio, Version: in.Version, AdvertisementInterval: in.AdvertInt,
				Preempt: true, Primary: primary, Addrs: in.VIPs},
			Interface:    ifc.Index,
			RouteGateway: gateway,
		})
	}
	return out
}
