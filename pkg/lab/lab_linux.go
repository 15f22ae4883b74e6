package lab

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/jsimonetti/rtnetlink/v2/driver"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
)

// Side is one of the lab's namespaces, with a netlink connection in it for
// requests (never for monitoring: a monitor needs a socket of its own).
type Side struct {
	Role Role
	NS   *netns.NS
	Conn *rtnetlink.Conn
}

// Lab is a built topology. Teardown removes it; it is safe to call more than
// once and from several goroutines.
type Lab struct {
	Plan
	Subject *Side
	Peer    *Side

	mu      sync.Mutex
	claimed bool
	torn    bool
}

// Build creates the lab that spec describes: claims the run id, creates the
// two namespaces, brings lo up, creates the veth pairs (up, with their
// addresses) and, with spec.VMAC, one macvlan per instance on the subject
// side (in spec.VMACMode, up). On any failure or cancellation of ctx it removes
// whatever it had made and returns the error.
func Build(ctx context.Context, spec Spec) (*Lab, error) {
	plan, err := NewPlan(spec)
	if err != nil {
		return nil, err
	}
	l := &Lab{Plan: plan}
	if err := l.build(ctx); err != nil {
		if terr := l.Teardown(); terr != nil {
			err = errors.Join(err, terr)
		}
		return nil, err
	}
	return l, nil
}

func (l *Lab) build(ctx context.Context) error {
	if err := claim(l.RunID); err != nil {
		return err
	}
	l.claimed = true
	var err error
	if l.Subject, err = openSide(l.RunID, RoleSubject); err != nil {
		return err
	}
	if l.Peer, err = openSide(l.RunID, RolePeer); err != nil {
		return err
	}
	for _, s := range []*Side{l.Subject, l.Peer} {
		if err := setUp(s.Conn, 1); err != nil {
			return fmt.Errorf("lab %s: %s: set lo up: %w", l.RunID, s.Role, err)
		}
		if l.Spec.Family == 6 {
			if err := ipv6Settings(s); err != nil {
				return fmt.Errorf("lab %s: %s: %w", l.RunID, s.Role, err)
			}
		}
	}
	for _, ifc := range l.Interfaces {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("lab %s: %w", l.RunID, err)
		}
		if err := l.addVeth(ifc); err != nil {
			return err
		}
	}
	if l.Churn != nil {
		if err := l.addVeth(*l.Churn); err != nil {
			return err
		}
	}
	// Interfaces made from here on (the VMACs) inherit the namespace's
	// defaults.
	var vmacDefaults [][2]string
	if l.Spec.VMACRandomLinkLocal {
		vmacDefaults = append(vmacDefaults, [2]string{"addr_gen_mode", "3"})
	}
	if l.Spec.VMACNoIPv6 {
		vmacDefaults = append(vmacDefaults, [2]string{"disable_ipv6", "1"})
	}
	if err := setIPv6Conf(l.Subject, []string{"default"}, vmacDefaults); err != nil {
		return fmt.Errorf("lab %s: subject: %w", l.RunID, err)
	}
	for _, inst := range l.Instances {
		if inst.VMAC == "" {
			break
		}
		if inst.Index%32 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("lab %s: %w", l.RunID, err)
			}
		}
		if err := l.addVMAC(inst); err != nil {
			return err
		}
	}
	slog.Debug("lab built", "run", l.RunID, "interfaces", len(l.Interfaces), "instances", len(l.Instances), "vmac", l.Spec.VMAC)
	return nil
}

// ipv6Settings sets a lab namespace up for VRRP over IPv6, for the
// interfaces created after it: duplicate address detection off, so that
// addresses are usable at once instead of tentative for a second or more;
// and addresses kept when a link goes down, so the fixed link-local
// addresses the routers advertise from survive a flap. It writes the
// namespace's own sysctls (net.ipv6.conf.{all,default}.*), never the
// host's.
func ipv6Settings(s *Side) error {
	return setIPv6Conf(s, []string{"all", "default"}, [][2]string{{"accept_dad", "0"}, {"keep_addr_on_down", "1"}})
}

// setIPv6Conf writes, inside a side's namespace, each of settings (a
// name under net.ipv6.conf.SCOPE and its value) for each of scopes; no
// settings, nothing.
func setIPv6Conf(s *Side, scopes []string, settings [][2]string) error {
	if len(settings) == 0 {
		return nil
	}
	return s.NS.Do(func() error {
		for _, scope := range scopes {
			for _, kv := range settings {
				if err := writeSysctl("/proc/sys/net/ipv6/conf/"+scope+"/"+kv[0], kv[1]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// writeSysctl sets the sysctl at path, of the namespace the calling thread
// is in.
func writeSysctl(path, value string) error {
	if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
		return fmt.Errorf("set %s: %w", path, err)
	}
	return nil
}

// openSide creates a role's namespace and dials rtnetlink inside it.
func openSide(runID string, role Role) (*Side, error) {
	name := NamespaceName(runID, role)
	ns, err := netns.New(name)
	if err != nil {
		return nil, fmt.Errorf("lab %s: %w", runID, err)
	}
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: ns.Fd()})
	if err != nil {
		ns.Close()
		_ = netns.Delete(name)
		return nil, fmt.Errorf("lab %s: dial rtnetlink in %s: %w", runID, name, err)
	}
	return &Side{Role: role, NS: ns, Conn: c}, nil
}

// addVeth creates one veth pair, up on both sides, and adds its addresses.
func (l *Lab) addVeth(ifc Interface) error {
	// The peer cannot be created up: veth_open fails with ENOTCONN until
	// both ends exist. It is set up once the pair is made.
	peer := &rtnetlink.LinkMessage{
		Index: ifc.Index,
		Attributes: &rtnetlink.LinkAttributes{
			Name:  ifc.Name,
			NetNS: rtnetlink.NetNSForFD(uint32(l.Peer.NS.Fd())),
		},
	}
	err := l.Subject.Conn.Link.New(&rtnetlink.LinkMessage{
		Family: unix.AF_UNSPEC,
		Index:  ifc.Index,
		Flags:  unix.IFF_UP,
		Change: unix.IFF_UP,
		Attributes: &rtnetlink.LinkAttributes{
			Name: ifc.Name,
			Info: &rtnetlink.LinkInfo{Kind: "veth", Data: &driver.Veth{PeerInfo: peer}},
		},
	})
	if err != nil {
		return fmt.Errorf("lab %s: create veth %s: %w", l.RunID, ifc.Name, err)
	}
	if err := setUp(l.Peer.Conn, ifc.Index); err != nil {
		return fmt.Errorf("lab %s: peer: set %s up: %w", l.RunID, ifc.Name, err)
	}
	type sideAddr struct {
		side *Side
		p    netip.Prefix
	}
	addrs := []sideAddr{{l.Subject, ifc.Subject}, {l.Peer, ifc.Peer}, {l.Subject, ifc.Subject6}, {l.Peer, ifc.Peer6}, {l.Subject, ifc.SubjectLL}, {l.Peer, ifc.PeerLL}}
	for _, p := range ifc.SubjectExtra {
		addrs = append(addrs, sideAddr{l.Subject, p})
	}
	for _, p := range ifc.PeerExtra {
		addrs = append(addrs, sideAddr{l.Peer, p})
	}
	for _, a := range addrs {
		if !a.p.IsValid() {
			continue
		}
		if err := AddAddress(a.side.Conn, ifc.Index, a.p); err != nil {
			return fmt.Errorf("lab %s: %s: add %s to %s: %w", l.RunID, a.side.Role, a.p, ifc.Name, err)
		}
	}
	return nil
}

// addVMAC creates an instance's macvlan on the subject side, up, with its
// virtual addresses when the spec asks for them there.
func (l *Lab) addVMAC(inst Instance) error {
	ifc := l.Interfaces[inst.Interface]
	mode := l.Spec.VMACMode
	if mode == 0 {
		mode = MacvlanPrivate
	}
	err := l.Subject.Conn.Link.New(&rtnetlink.LinkMessage{
		Family: unix.AF_UNSPEC,
		Index:  inst.VMACIndex,
		Flags:  unix.IFF_UP,
		Change: unix.IFF_UP,
		Attributes: &rtnetlink.LinkAttributes{
			Name:    inst.VMAC,
			Address: inst.VMACAddr,
			Type:    ifc.Index, // IFLA_LINK: the parent
			Info:    &rtnetlink.LinkInfo{Kind: "macvlan", Data: &macvlan{Mode: mode}},
		},
	})
	if err != nil {
		return fmt.Errorf("lab %s: create macvlan %s on %s: %w", l.RunID, inst.VMAC, ifc.Name, err)
	}
	for j := range l.Spec.VMACVIPs {
		vip := VIP(l.Spec.Family, inst.Index, j, l.Spec.VMACVIPs)
		if err := AddAddress(l.Subject.Conn, inst.VMACIndex, netip.PrefixFrom(vip, vip.BitLen())); err != nil {
			return fmt.Errorf("lab %s: add %s to %s: %w", l.RunID, vip, inst.VMAC, err)
		}
	}
	return nil
}

// setUp sets a link administratively up.
func setUp(c *rtnetlink.Conn, index uint32) error {
	return SetLink(c, index, true)
}

// SetLink sets a link administratively up or down through c.
func SetLink(c *rtnetlink.Conn, index uint32, up bool) error {
	var flags uint32
	if up {
		flags = unix.IFF_UP
	}
	return c.Link.Set(&rtnetlink.LinkMessage{
		Family: unix.AF_UNSPEC,
		Index:  index,
		Flags:  flags,
		Change: unix.IFF_UP,
	})
}

// addressMessage is the RTM_NEWADDR/RTM_DELADDR body for p on a link.
func addressMessage(index uint32, p netip.Prefix) *rtnetlink.AddressMessage {
	family := uint8(unix.AF_INET)
	if p.Addr().Is6() {
		family = unix.AF_INET6
	}
	ip := net.IP(p.Addr().AsSlice())
	attrs := &rtnetlink.AddressAttributes{Address: ip, Local: ip}
	if family == unix.AF_INET && p.Bits() < 31 {
		attrs.Broadcast = broadcast(p)
	}
	return &rtnetlink.AddressMessage{
		Family:       family,
		PrefixLength: uint8(p.Bits()),
		Index:        index,
		Attributes:   attrs,
	}
}

// broadcast is the IPv4 broadcast address of p (what "brd +" computes).
func broadcast(p netip.Prefix) net.IP {
	a := p.Masked().Addr().As4()
	host := uint32(1)<<(32-p.Bits()) - 1
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | host
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// AddAddress adds p to the link with the given index through c.
func AddAddress(c *rtnetlink.Conn, index uint32, p netip.Prefix) error {
	return c.Address.New(addressMessage(index, p))
}

// DeleteAddress removes p from the link with the given index through c.
func DeleteAddress(c *rtnetlink.Conn, index uint32, p netip.Prefix) error {
	return c.Address.Delete(addressMessage(index, p))
}

// Dir is the run's directory under RunDir: a place for files of the run
// (a keepalived's configuration and log). Teardown removes it.
func (l *Lab) Dir() string { return runPath(l.RunID) }

// Side returns the lab's side for a role.
func (l *Lab) Side(r Role) *Side {
	if r == RolePeer {
		return l.Peer
	}
	return l.Subject
}

// ErrTeardown is wrapped by the error of a Teardown that could not remove
// everything: something may be left behind for "nlstress cleanup".
var ErrTeardown = errors.New("lab not fully removed (run 'nlstress cleanup')")

// Teardown closes the lab's connections, deletes its namespaces (which
// destroys every link in them) and releases the run id. It is idempotent;
// it tries every step and returns all errors joined, wrapped in ErrTeardown.
func (l *Lab) Teardown() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.torn {
		return nil
	}
	l.torn = true
	var errs []error
	for _, s := range []*Side{l.Subject, l.Peer} {
		if s == nil {
			continue
		}
		s.Conn.Close()
		s.NS.Close()
	}
	if l.claimed {
		for _, role := range []Role{RoleSubject, RolePeer} {
			err := netns.Delete(NamespaceName(l.RunID, role))
			if err != nil && !errors.Is(err, netns.ErrNotExist) {
				errs = append(errs, fmt.Errorf("lab %s: %w", l.RunID, err))
			}
		}
		if err := release(l.RunID); err != nil {
			errs = append(errs, fmt.Errorf("lab %s: %w", l.RunID, err))
		}
	}
	slog.Debug("lab torn down", "run", l.RunID)
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrTeardown, errors.Join(errs...))
	}
	return nil
}
