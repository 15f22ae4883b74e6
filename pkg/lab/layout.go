package lab

import (
	"fmt"
	"net/netip"
	"strings"
)

// Layout is a lab laid out by its user rather than by count: interfaces
// with their own names and addresses, instances with their own VRIDs. A
// replayed keepalived configuration brings one.
type Layout struct {
	Interfaces []LayoutInterface
	Instances  []LayoutInstance
}

// LayoutInterface is one veth pair of a Layout.
type LayoutInterface struct {
	// Name is the interface's name on both sides, as the configuration
	// spells it.
	Name string
	// Subject and Peer are the two sides' addresses on it, the first
	// IPv4 one primary; none means the lab's own (198.18.k.1/24 and .2).
	Subject, Peer []netip.Prefix
}

// LayoutInstance is one VRRP instance of a Layout.
type LayoutInstance struct {
	VRID      uint8
	Interface int // index into Layout.Interfaces
	Family    int // 4 or 6
}

// validIfName reports whether the kernel accepts name for an interface:
// 1 to 15 bytes, no "/", ":" or blank, not "." or "..".
func validIfName(name string) bool {
	return name != "" && len(name) <= 15 && name != "." && name != ".." && !strings.ContainsAny(name, "/: \t\n")
}

// validate checks a layout against the lab's limits.
func (y *Layout) validate() error {
	if len(y.Interfaces) == 0 || len(y.Interfaces) > MaxInterfaces {
		return fmt.Errorf("%w: %d interfaces: want 1 to %d", ErrInvalidSpec, len(y.Interfaces), MaxInterfaces)
	}
	if len(y.Instances) == 0 || len(y.Instances) > MaxInstances {
		return fmt.Errorf("%w: %d VRRP instances: want 1 to %d", ErrInvalidSpec, len(y.Instances), MaxInstances)
	}
	seen := map[string]bool{}
	for _, ifc := range y.Interfaces {
		switch {
		case !validIfName(ifc.Name) || ifc.Name == "lo":
			return fmt.Errorf("%w: interface name %q: want 1 to 15 characters without '/', ':' or blanks, not lo", ErrInvalidSpec, ifc.Name)
		case seen[ifc.Name]:
			return fmt.Errorf("%w: interface %s named twice", ErrInvalidSpec, ifc.Name)
		}
		seen[ifc.Name] = true
	}
	for _, in := range y.Instances {
		if in.VRID == 0 || in.Interface < 0 || in.Interface >= len(y.Interfaces) || in.Family != 4 && in.Family != 6 {
			return fmt.Errorf("%w: instance VRID %d on interface %d, family %d", ErrInvalidSpec, in.VRID, in.Interface, in.Family)
		}
	}
	return nil
}

// planLayout works out a plan from a layout: the interfaces in its order
// with its addresses (or the lab's own), IPv6 link-local addresses on all
// of them when any instance is IPv6, and the instances without VMACs (the
// daemon that reads the layout's configuration makes its own).
func planLayout(p *Plan) {
	y := p.Spec.Layout
	for k, li := range y.Interfaces {
		ifc := newInterface(k, li.Name, p.Spec.Family)
		if len(li.Subject) > 0 {
			ifc.Subject, ifc.SubjectExtra = li.Subject[0], li.Subject[1:]
		}
		if len(li.Peer) > 0 {
			ifc.Peer, ifc.PeerExtra = li.Peer[0], li.Peer[1:]
		}
		p.Interfaces = append(p.Interfaces, ifc)
	}
	for i, in := range y.Instances {
		p.Instances = append(p.Instances, Instance{Index: i, VRID: in.VRID, Interface: in.Interface})
	}
}
