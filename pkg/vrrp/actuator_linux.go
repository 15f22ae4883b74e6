package vrrp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
)

// rtprotKeepalived is the route protocol keepalived stamps on its virtual
// routes (RTPROT_KEEPALIVED, linux/rtnetlink.h).
const rtprotKeepalived = 18

// actuator changes the router's namespace: it installs and removes virtual
// addresses and virtual routes through its own rtnetlink request socket (so
// the changes echo into the router's monitor, as keepalived's do), and sends
// gratuitous ARP through AF_PACKET.
type actuator struct {
	conn  *rtnetlink.Conn
	arpFD int
	icmp6 *net.IPConn // nil for an IPv4 router

	requests, errors, esrch atomic.Uint64
}

// openActuator dials rtnetlink and opens the ARP socket inside ns, and
// with v6 the ICMPv6 socket for neighbour advertisements.
func openActuator(ns *netns.NS, v6 bool) (*actuator, error) {
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: ns.Fd()})
	if err != nil {
		return nil, fmt.Errorf("vrrp: dial rtnetlink in %s: %w", ns.Name(), err)
	}
	a := &actuator{conn: c, arpFD: -1}
	err = ns.Do(func() error {
		// Protocol 0: the socket sends ARP but receives nothing.
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		a.arpFD = fd
		return err
	})
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("vrrp: open AF_PACKET socket in %s: %w", ns.Name(), err)
	}
	if v6 {
		err = ns.Do(func() error {
			var err error
			if a.icmp6, err = net.ListenIP("ip6:ipv6-icmp", nil); err != nil {
				return err
			}
			rc, err := a.icmp6.SyscallConn()
			if err != nil {
				return err
			}
			var serr error
			err = rc.Control(func(fd uintptr) {
				// RFC 4861 §7.1.2: neighbour discovery travels with hop limit 255.
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, 255)
			})
			if err == nil {
				err = serr
			}
			return err
		})
		if err != nil {
			a.close()
			return nil, fmt.Errorf("vrrp: open ICMPv6 socket in %s: %w", ns.Name(), err)
		}
	}
	return a, nil
}

// links dumps the namespace's links, for the router's starting link
// state.
func (a *actuator) links() ([]rtnetlink.LinkMessage, error) { return a.conn.Link.List() }

func (a *actuator) close() {
	a.conn.Close()
	if a.icmp6 != nil {
		a.icmp6.Close()
	}
	if a.arpFD >= 0 {
		unix.Close(a.arpFD)
	}
}

// count records one netlink request and its outcome. ESRCH ("No such
// process") is what keepalived logs when it deletes a route the kernel
// already flushed with the link.
func (a *actuator) count(err error) {
	a.requests.Add(1)
	if err != nil {
		a.errors.Add(1)
		if errors.Is(err, unix.ESRCH) {
			a.esrch.Add(1)
		}
	}
}

// vipMessage is a virtual address as keepalived adds it without a mask:
// a host prefix (/32, /128) on the instance's interface.
func vipMessage(index uint32, ip netip.Addr) *rtnetlink.AddressMessage {
	family, bits := uint8(unix.AF_INET), uint8(32)
	if ip.Is6() {
		family, bits = unix.AF_INET6, 128
	}
	b := net.IP(ip.AsSlice())
	return &rtnetlink.AddressMessage{Family: family, PrefixLength: bits, Index: index,
		Attributes: &rtnetlink.AddressAttributes{Address: b, Local: b}}
}

// addVIP installs one virtual address; an address already there is fine.
func (a *actuator) addVIP(index uint32, ip netip.Addr) {
	err := a.conn.Address.New(vipMessage(index, ip))
	if errors.Is(err, unix.EEXIST) {
		err = nil
	}
	a.count(err)
}

// delVIP removes one virtual address.
func (a *actuator) delVIP(index uint32, ip netip.Addr) {
	a.count(a.conn.Address.Delete(vipMessage(index, ip)))
}

// routeMessage is a virtual route: dst via gw out of index, in the main
// table, stamped as keepalived's.
func routeMessage(index uint32, dst netip.Prefix, gw netip.Addr) *rtnetlink.RouteMessage {
	family := uint8(unix.AF_INET)
	if dst.Addr().Is6() {
		family = unix.AF_INET6
	}
	attrs := rtnetlink.RouteAttributes{Dst: net.IP(dst.Addr().AsSlice()), OutIface: index}
	if gw.IsValid() {
		attrs.Gateway = net.IP(gw.AsSlice())
	}
	return &rtnetlink.RouteMessage{
		Family: family, DstLength: uint8(dst.Bits()), Table: unix.RT_TABLE_MAIN,
		Protocol: rtprotKeepalived, Scope: unix.RT_SCOPE_UNIVERSE, Type: unix.RTN_UNICAST,
		Attributes: attrs,
	}
}

// addRoute installs one virtual route.
func (a *actuator) addRoute(index uint32, dst netip.Prefix, gw netip.Addr) {
	err := a.conn.Route.Add(routeMessage(index, dst, gw))
	if errors.Is(err, unix.EEXIST) {
		err = nil
	}
	a.count(err)
}

// delRoute removes one virtual route.
func (a *actuator) delRoute(index uint32, dst netip.Prefix, gw netip.Addr) {
	a.count(a.conn.Route.Delete(routeMessage(index, dst, gw)))
}

// gratuitousARP broadcasts an ARP request for ip from mac out of index
// (RFC 5798 §6.4.1: a new master announces its virtual addresses).
func (a *actuator) gratuitousARP(index uint32, mac net.HardwareAddr, ip netip.Addr) error {
	if len(mac) != 6 || !ip.Is4() {
		return nil
	}
	var p [28]byte
	p[0], p[1] = 0, 1 // hardware type Ethernet
	p[2], p[3] = 0x08, 0x00
	p[4], p[5] = 6, 4
	p[6], p[7] = 0, 1 // request
	copy(p[8:14], mac)
	v := ip.As4()
	copy(p[14:18], v[:])
	copy(p[24:28], v[:])
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ARP), Ifindex: int(index), Halen: 6,
		Addr: [8]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}
	return unix.Sendto(a.arpFD, p[:], 0, sa)
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
