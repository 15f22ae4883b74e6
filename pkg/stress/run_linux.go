package stress

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// Run validates sc, checks the host, builds the lab, runs the routers and
// flaps the subject's links sc.Flaps times, and tears everything down on
// every path (return, error, cancelled ctx, panic) unless sc.KeepLab. A
// run that found stuck instances or netlink loss returns its result and
// an error wrapping result.ErrFinding; any other error means nothing
// trustworthy was measured. A run stopped through ctx (a signal) after a
// flap or more returns what it finished, marked Interrupted (verdict
// INCOMPLETE), with the error of the stop.
func Run(ctx context.Context, sc scenario.Scenario) (result.Result, error) {
	s, res, err := Open(ctx, sc)
	if err != nil {
		return res, err
	}
	for range sc.Flaps {
		if _, err = s.Flap(ctx); err != nil || s.Dead() {
			break
		}
	}
	discarded := s.inFlap != 0
	res, err = s.Close(ctx, err)
	if ctx.Err() != nil && len(res.Flaps) > 0 {
		res.Interrupt(result.StoppedBy(ctx), sc.Flaps, discarded)
	}
	return res, err
}

// checkFlapInterfaces checks, before anything is built, that the
// interfaces to flap (--flap-interfaces) are the lab's.
func checkFlapInterfaces(spec lab.Spec, flapInterfaces string) error {
	plan, err := lab.NewPlan(spec)
	if err != nil {
		return fmt.Errorf("%w: %w", scenario.ErrInvalid, err)
	}
	if _, err := flap.Select(flapInterfaces, plan.InterfaceNames()); err != nil {
		return fmt.Errorf("%w: %w", scenario.ErrInvalid, err)
	}
	return nil
}

// describe summarises a built lab for the result.
func describe(l *lab.Lab) result.Lab {
	d := result.Lab{
		RunID:      l.RunID,
		Namespaces: []string{lab.NamespaceName(l.RunID, lab.RoleSubject), lab.NamespaceName(l.RunID, lab.RolePeer)},
		Instances:  len(l.Instances),
		Interfaces: l.InterfaceNames(),
	}
	for _, in := range l.Instances {
		if in.VMAC != "" {
			d.VMACs++
		}
	}
	return d
}

// labSpec is the lab a scenario runs in: the one its daemon under test
// needs, or the one a replayed configuration lays out.
func labSpec(d daemonUnderTest, sc scenario.Scenario, rp *replay.Replay) lab.Spec {
	if rp != nil {
		return lab.Spec{Instances: len(rp.Instances), Family: sc.Family, Layout: &rp.Layout, ChurnLink: sc.Churns()}
	}
	return d.labSpec(sc)
}

// endpoints are a side's primary address on an interface, for family 4
// or 6, and the other side's, which its virtual routes go through.
func endpoints(ifc lab.Interface, family int, role lab.Role) (primary, gateway netip.Addr) {
	primary, gateway = ifc.Subject.Addr(), ifc.Peer.Addr()
	if family == 6 {
		// RFC 5798 §5.1.2.1: IPv6 advertisements come from the
		// link-local address.
		primary, gateway = ifc.SubjectLL.Addr(), ifc.PeerLL.Addr()
	}
	if role == lab.RolePeer {
		primary, gateway = gateway, primary
	}
	return primary, gateway
}

// instanceSpecs are one side's VRRP instances for a scenario: the same
// VRIDs, VIPs and routes on both sides, each side's own primary address,
// VMACs on the subject only (the lab makes them there).
func instanceSpecs(sc scenario.Scenario, l *lab.Lab, role lab.Role) []vrrp.InstanceSpec {
	prio := uint8(subjectPriority)
	if role == lab.RolePeer {
		prio = peerPriority
	}
	out := make([]vrrp.InstanceSpec, 0, len(l.Instances))
	for _, in := range l.Instances {
		ifc := l.Interfaces[in.Interface]
		primary, gateway := endpoints(ifc, sc.Family, role)
		s := vrrp.InstanceSpec{
			Config: vrrp.Config{
				VRID: in.VRID, Priority: prio, Version: sc.Version, AdvertisementInterval: sc.AdvertInterval,
				Preempt: true, Primary: primary,
			},
			Interface:    ifc.Index,
			RouteGateway: gateway,
		}
		for j := range sc.VIPsPerVRID {
			s.Config.Addrs = append(s.Config.Addrs, lab.VIP(sc.Family, in.Index, j, sc.VIPsPerVRID))
		}
		for j := range sc.RoutesPerVRID {
			s.Routes = append(s.Routes, lab.RoutePrefix(sc.Family, in.Index, j, sc.RoutesPerVRID))
		}
		if role == lab.RoleSubject {
			s.VMAC = in.VMACIndex
		}
		out = append(out, s)
	}
	return out
}
