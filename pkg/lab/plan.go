// Package lab builds and tears down the throw-away topology that nlstress
// runs in: two network namespaces, "subject" and "peer", joined by veth
// pairs named like the incident's eth2, with optional VMAC macvlans per VRID.
//
// Every object the lab creates carries the Prefix "nls-" and the run's id,
// so two runs never collide and Cleanup can find what a killed run left.
// Nothing is ever created or changed in the caller's network namespace.
package lab

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
)

// Prefix starts the name of every namespace the lab creates.
const Prefix = "nls-"

// InstancesPerInterface is how many VRRP instances share one interface: one
// per VRID, 1 to 255, as in real deployments.
const InstancesPerInterface = 255

// MaxInterfaces is how many veth pairs a lab may have (eth2 .. eth17).
const MaxInterfaces = 16

// MaxInstances is the largest number of VRRP instances a lab can carry.
const MaxInstances = MaxInterfaces * InstancesPerInterface

// MaxVIPs is how many virtual addresses the lab's VIP plan can hand out
// (198.19.0.0/16 in /24s of 254).
const MaxVIPs = 256 * 254

// MaxRoutes is how many virtual routes the lab's route plan can hand out
// (host routes in 198.18.128.0/17).
const MaxRoutes = 128 * 256

// MacvlanMode is a macvlan's IFLA_MACVLAN_MODE (linux/if_link.h).
type MacvlanMode uint32

// Macvlan modes. keepalived creates its VMAC interfaces in private
// mode; FRR's vrrpd needs bridge mode.
const (
	MacvlanPrivate MacvlanMode = 1
	MacvlanVEPA    MacvlanMode = 2
	MacvlanBridge  MacvlanMode = 4
)

// Role names one side of the lab.
type Role string

// The two sides of a lab.
const (
	RoleSubject Role = "subject" // the router under test
	RolePeer    Role = "peer"    // the router it fails over to
)

// ErrInvalidSpec is wrapped by Spec.Validate's errors.
var ErrInvalidSpec = errors.New("invalid lab spec")

// Spec says what lab to build.
type Spec struct {
	// RunID names the run; empty means a fresh random id. It must match
	// RunIDPattern.
	RunID string
	// Instances is the number of VRRP instances, 1..MaxInstances, spread
	// InstancesPerInterface per interface.
	Instances int
	// Interfaces, when set, spreads the instances evenly over that many
	// interfaces instead (255 VRIDs over 4: 64, 64, 64 and 63, VRIDs 1 to
	// 64 on each), as on a router whose VRRP groups follow several links.
	Interfaces int
	// VMAC asks for one macvlan per instance on the subject side, with the
	// VRRP virtual MAC 00:00:5e:00:01:<vrid> (IPv6: 00:00:5e:00:02:<vrid>).
	VMAC bool
	// VMACMode is the macvlans' mode; 0 means MacvlanPrivate, keepalived's.
	// FRR's vrrpd needs MacvlanBridge: it hears adverts on the parent
	// while its macvlans are protodown.
	VMACMode MacvlanMode
	// VMACRandomLinkLocal gives the macvlans a random IPv6 link-local
	// address (addr_gen_mode 3) instead of one derived from the virtual
	// MAC, which two routers share: FRR's vrrpd advertises from it over
	// IPv6 and elects by it.
	VMACRandomLinkLocal bool
	// VMACNoIPv6 turns IPv6 off on the macvlans (disable_ipv6), as
	// keepalived does on the VMACs of its IPv4 instances: no link-local
	// address, no multicast listener reports, no duplicate address
	// detection when the parent's carrier comes back. With IPv6 on, the
	// kernel's linkwatch took two to three times as long to bring a
	// hundred VMACs up, and a monitor reading that storm kept up where
	// keepalived's did not (results/FINDINGS.md). IPv4 only.
	VMACNoIPv6 bool
	// VMACVIPs puts each instance's virtual addresses on its VMAC, that
	// many per instance (VIP's, of Family), as FRR's vrrpd requires them
	// there before it starts; 0 puts none (keepalived and the engine add
	// their own as master).
	VMACVIPs int
	// Family is 4 or 6: the address family of the VRRP instances. 0 means 4.
	Family int
	// Layout, when set, lays the lab out by name instead of by count:
	// Instances and VMAC are then taken from it (no VMACs: the daemon
	// makes its own), and Family is 6 when any of its instances is.
	Layout *Layout
	// ChurnLink adds a veth pair named ChurnLinkName, up, with one
	// address of its own on the subject's side, that background churn puts its routes, neighbours and
	// addresses on: a link no flap touches, so that churn never fails and
	// its messages are told apart by interface.
	ChurnLink bool
}

// runIDPattern is what a run id looks like: short, lower-case, no dashes, so
// that namespace names split unambiguously.
var runIDPattern = regexp.MustCompile(`^[a-z0-9]{1,12}$`)

// Validate reports the first thing wrong with the spec, as a one-line error
// wrapping ErrInvalidSpec.
func (s Spec) Validate() error {
	if s.RunID != "" && !runIDPattern.MatchString(s.RunID) {
		return fmt.Errorf("%w: run id %q: want 1 to 12 lower-case letters or digits", ErrInvalidSpec, s.RunID)
	}
	if s.Layout != nil {
		if err := s.Layout.validate(); err != nil {
			return err
		}
		if s.Instances != len(s.Layout.Instances) || s.VMAC {
			return fmt.Errorf("%w: a laid-out lab takes its %d instances from its layout and has no VMACs", ErrInvalidSpec, len(s.Layout.Instances))
		}
	}
	if s.Instances < 1 || s.Instances > MaxInstances {
		return fmt.Errorf("%w: %d VRRP instances: want 1 to %d (%d per interface, up to %d interfaces)",
			ErrInvalidSpec, s.Instances, MaxInstances, InstancesPerInterface, MaxInterfaces)
	}
	if need := (s.Instances + InstancesPerInterface - 1) / InstancesPerInterface; s.Interfaces != 0 && (s.Interfaces < need || s.Interfaces > min(MaxInterfaces, s.Instances)) {
		return fmt.Errorf("%w: %d instances over %d interfaces: want %d to %d interfaces (at most %d instances each, at least one)",
			ErrInvalidSpec, s.Instances, s.Interfaces, need, min(MaxInterfaces, s.Instances), InstancesPerInterface)
	}
	if (s.VMACMode != 0 || s.VMACRandomLinkLocal || s.VMACNoIPv6 || s.VMACVIPs != 0) && !s.VMAC {
		return fmt.Errorf("%w: a macvlan mode, link-local style or addresses without VMACs", ErrInvalidSpec)
	}
	if s.VMACNoIPv6 && (s.VMACRandomLinkLocal || s.Family == 6) {
		return fmt.Errorf("%w: VMACs without IPv6 for IPv6 instances or with a link-local style", ErrInvalidSpec)
	}
	if s.VMACVIPs < 0 || s.VMACVIPs*s.Instances > MaxVIPs {
		return fmt.Errorf("%w: %d virtual addresses per VMAC for %d instances: the lab has %d", ErrInvalidSpec, s.VMACVIPs, s.Instances, MaxVIPs)
	}
	if m := s.VMACMode; m != 0 && m != MacvlanPrivate && m != MacvlanVEPA && m != MacvlanBridge {
		return fmt.Errorf("%w: macvlan mode %d: want private (1), vepa (2) or bridge (4)", ErrInvalidSpec, m)
	}
	if s.Family != 0 && s.Family != 4 && s.Family != 6 {
		return fmt.Errorf("%w: address family %d: want 4 or 6", ErrInvalidSpec, s.Family)
	}
	return nil
}

// NewRunID returns a fresh random run id of 6 hex digits.
func NewRunID() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NamespaceName is the name of a run's namespace for a role:
// "nls-<runid>-<role>".
func NamespaceName(runID string, role Role) string {
	return Prefix + runID + "-" + string(role)
}

// nsNamePattern splits a lab namespace name into run id and role.
var nsNamePattern = regexp.MustCompile(`^nls-([a-z0-9]{1,12})-([a-z]+)$`)

// ParseNamespaceName returns the run id of a lab namespace name, and false
// for a name the lab did not make.
func ParseNamespaceName(name string) (runID string, ok bool) {
	m := nsNamePattern.FindStringSubmatch(name)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Interface is one veth pair: the same name and index on both sides.
type Interface struct {
	Name    string       // "eth2", "eth3", ...
	Index   uint32       // ifindex on both sides
	Subject netip.Prefix // the subject's address on it
	Peer    netip.Prefix // the peer's address on it
	// Subject6 and Peer6 are the IPv6 addresses, set when Family is 6.
	Subject6, Peer6 netip.Prefix
	// SubjectLL and PeerLL are fixed link-local addresses (fe80::1 and
	// fe80::2), set when Family is 6: VRRPv3 over IPv6 advertises from a
	// link-local address (RFC 5798 §5.1.2.1), and fixed ones need no look-up.
	SubjectLL, PeerLL netip.Prefix
	// SubjectExtra and PeerExtra are further addresses a Layout asks for.
	SubjectExtra, PeerExtra []netip.Prefix
}

// Instance is where one VRRP instance lives.
type Instance struct {
	Index     int              // 0-based position in the lab
	VRID      uint8            // 1..255, unique per interface
	Interface int              // index into Plan.Interfaces
	VMAC      string           // macvlan name on the subject side, "" without VMAC
	VMACIndex uint32           // the macvlan's ifindex, 0 without VMAC
	VMACAddr  net.HardwareAddr // 00:00:5e:00:01:<vrid> (v6: :02:), nil without VMAC
}

// Plan is a spec worked out into names, indexes and addresses. It is pure:
// making one touches nothing.
type Plan struct {
	RunID      string
	Spec       Spec
	Interfaces []Interface
	Instances  []Instance
	// Churn is the churn link (Spec.ChurnLink), nil without one.
	Churn *Interface
}

// InterfaceNames are the names of the plan's interfaces, in its order
// (the churn link is not one of them).
func (p Plan) InterfaceNames() []string {
	names := make([]string, len(p.Interfaces))
	for i, ifc := range p.Interfaces {
		names[i] = ifc.Name
	}
	return names
}

// The churn link's name and fixed index on both sides.
const (
	ChurnLinkName  = "nls-churn"
	ChurnLinkIndex = 9000 // above every VMAC's (firstVMACIndex + MaxInstances)
)

// Fixed interface indexes keep the lab's build free of look-ups: the
// namespaces are new, so nothing else holds these numbers.
const (
	firstVethIndex = 10
	firstVMACIndex = 1000
	firstInterface = 2 // eth2, as in the incident
)

// NewPlan validates spec and works it out. An empty RunID gets a fresh one.
func NewPlan(spec Spec) (Plan, error) {
	if err := spec.Validate(); err != nil {
		return Plan{}, err
	}
	if spec.Family == 0 {
		spec.Family = 4
	}
	if spec.RunID == "" {
		spec.RunID = NewRunID()
	}
	p := Plan{RunID: spec.RunID, Spec: spec}
	if spec.ChurnLink {
		// One address of its own that churn never removes: when a link's
		// last IPv4 address goes, the kernel flushes its routes and
		// neighbours, and address churn would undo route and neighbour
		// churn.
		p.Churn = &Interface{Name: ChurnLinkName, Index: ChurnLinkIndex, Subject: netip.MustParsePrefix("192.0.2.254/32")}
	}
	if spec.Layout != nil {
		planLayout(&p)
		return p, nil
	}
	nIf := spec.Interfaces
	if nIf == 0 {
		nIf = (spec.Instances + InstancesPerInterface - 1) / InstancesPerInterface
	}
	for k := range nIf {
		p.Interfaces = append(p.Interfaces, newInterface(k, fmt.Sprintf("eth%d", firstInterface+k), spec.Family))
	}
	for i := range spec.Instances {
		k, vrid := i/InstancesPerInterface, uint8(i%InstancesPerInterface+1)
		if spec.Interfaces != 0 {
			k, vrid = spread(i, spec.Instances, nIf)
		}
		inst := Instance{Index: i, VRID: vrid, Interface: k}
		if spec.VMAC {
			inst.VMAC = VMACName(k, inst.VRID)
			inst.VMACIndex = uint32(firstVMACIndex + i)
			inst.VMACAddr = VirtualMAC(spec.Family, inst.VRID)
		}
		p.Instances = append(p.Instances, inst)
	}
	return p, nil
}

// spread places the i-th of n instances evenly on nIf interfaces, the
// first interfaces taking one more; VRIDs count from 1 on each interface.
func spread(i, n, nIf int) (k int, vrid uint8) {
	per, extra := n/nIf, n%nIf
	// The first extra interfaces hold per+1 instances.
	if i < extra*(per+1) {
		return i / (per + 1), uint8(i%(per+1) + 1)
	}
	i -= extra * (per + 1)
	return extra + i/per, uint8(i%per + 1)
}

// newInterface is the k-th veth pair (0-based) called name, with the lab's
// own addresses: 198.18.k.1/24 and .2 and, for family 6, 2001:db8:0:k::1
// and ::2 with the fixed link-local addresses.
func newInterface(k int, name string, family int) Interface {
	ifc := Interface{
		Name:    name,
		Index:   uint32(firstVethIndex + k),
		Subject: netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(k), 1}), 24),
		Peer:    netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(k), 2}), 24),
	}
	if family == 6 {
		ifc.Subject6 = netip.PrefixFrom(addr6(0, byte(k), 1), 64)
		ifc.Peer6 = netip.PrefixFrom(addr6(0, byte(k), 2), 64)
		ifc.SubjectLL = netip.MustParsePrefix("fe80::1/64")
		ifc.PeerLL = netip.MustParsePrefix("fe80::2/64")
	}
	return ifc
}

// VMACName names the VMAC of a VRID on the k-th interface (0-based) like
// keepalived does ("vrrp.<vrid>") on the first interface, and
// "vrrp<n>.<vrid>" on eth<n> beyond it, so names stay unique.
func VMACName(k int, vrid uint8) string {
	if k == 0 {
		return fmt.Sprintf("vrrp.%d", vrid)
	}
	return fmt.Sprintf("vrrp%d.%d", firstInterface+k, vrid)
}

// VirtualMAC is the VRRP virtual router MAC address for a VRID:
// 00-00-5E-00-01-{VRID} for IPv4, 00-00-5E-00-02-{VRID} for IPv6
// (RFC 5798 §7.3).
func VirtualMAC(family int, vrid uint8) net.HardwareAddr {
	b := byte(1)
	if family == 6 {
		b = 2
	}
	return net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, b, vrid}
}

// addr6 is 2001:db8:<a>:<b>::<c>, from the documentation prefix.
func addr6(a, b byte, c uint16) netip.Addr {
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, a, 0, b, 14: byte(c >> 8), 15: byte(c)})
}

// VIP is the j-th virtual address of the i-th instance, for family 4 or 6,
// from the benchmarking range 198.19.0.0/16 (never .0 or .255) or from
// 2001:db8:1::/64. It is valid for i*perInstance+j < MaxVIPs.
func VIP(family, i, j, perInstance int) netip.Addr {
	n := i*perInstance + j
	if family == 6 {
		return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 1, 12: byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}).Next()
	}
	return netip.AddrFrom4([4]byte{198, 19, byte(n / 254), byte(n%254 + 1)})
}

// RoutePrefix is the j-th virtual route of the i-th instance: a host route
// from 198.18.128.0/17 (IPv4) or 2001:db8:2::/64 (IPv6), clear of the
// lab's interface subnets. It is valid for i*perInstance+j < MaxRoutes.
func RoutePrefix(family, i, j, perInstance int) netip.Prefix {
	n := i*perInstance + j
	if family == 6 {
		return netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 0, 2, 14: byte(n >> 8), 15: byte(n)}).Next(), 128)
	}
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(128 + n/256), byte(n % 256)}), 32)
}
