package vrrp

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
)

// vrrpSocket is a router's VRRP socket for one address family.
type vrrpSocket interface {
	// send sends one VRRP message to the family's group out of ifindex
	// with source src.
	send(b []byte, ifindex uint32, src netip.Addr) error
	// recv reads one message with its arrival interface, TTL or hop
	// limit, source and destination.
	recv(b, oob []byte) (received, error)
	close() error
}

// rawSocket6 is a router's VRRP socket for IPv6: protocol 112, joined to
// ff02::12 on each interface, hop limit 255, multicast loop off, and
// IPV6_PKTINFO and IPV6_HOPLIMIT on receive (a raw IPv6 socket delivers no
// header, so the hop limit of RFC 5798 §7.1 comes as a control message).
type rawSocket6 struct {
	c *net.IPConn
}

// openRawSocket6 opens the socket inside ns and joins ff02::12 on the given
// interfaces.
func openRawSocket6(ns *netns.NS, ifindexes []uint32) (*rawSocket6, error) {
	c, err := openRaw(ns, "ip6", func(fd int, set setter) error {
		set(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, TTL, "IPV6_MULTICAST_HOPS")
		set(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP")
		set(unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0, "IPV6_MULTICAST_ALL")
		set(unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO")
		set(unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT")
		// After a flap the link-local source is tentative again until the
		// link has carrier (the kernel's linkwatch, up to a second or two);
		// freebind lets the advertisement out meanwhile, as it is the
		// address the router owns on the link.
		set(unix.IPPROTO_IPV6, unix.IPV6_FREEBIND, 1, "IPV6_FREEBIND")
		for _, idx := range ifindexes {
			mreq := &unix.IPv6Mreq{Multiaddr: GroupIPv6.As16(), Interface: idx}
			if err := unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq); err != nil {
				return fmt.Errorf("vrrp: join %s on ifindex %d: %w", GroupIPv6, idx, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &rawSocket6{c: c}, nil
}

func (s *rawSocket6) send(b []byte, ifindex uint32, src netip.Addr) error {
	oob := unix.PktInfo6(&unix.Inet6Pktinfo{Addr: src.As16(), Ifindex: ifindex})
	_, _, err := s.c.WriteMsgIP(b, oob, &net.IPAddr{IP: GroupIPv6.AsSlice()})
	return err
}

func (s *rawSocket6) recv(b, oob []byte) (received, error) {
	n, oobn, _, from, err := s.c.ReadMsgIP(b, oob)
	if err != nil {
		return received{}, err
	}
	r := received{payload: b[:n], ttl: -1}
	if from != nil {
		r.src, _ = netip.AddrFromSlice(from.IP)
	}
	cms, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return r, nil
	}
	for _, cm := range cms {
		if cm.Header.Level != unix.IPPROTO_IPV6 {
			continue
		}
		switch {
		case cm.Header.Type == unix.IPV6_PKTINFO && len(cm.Data) >= unix.SizeofInet6Pktinfo:
			r.dst = netip.AddrFrom16([16]byte(cm.Data[:16]))
			r.ifindex = binary.NativeEndian.Uint32(cm.Data[16:20]) // ipi6_ifindex
		case cm.Header.Type == unix.IPV6_HOPLIMIT && len(cm.Data) >= 4:
			r.ttl = int(int32(binary.NativeEndian.Uint32(cm.Data[:4])))
		}
	}
	return r, nil
}

func (s *rawSocket6) close() error { return s.c.Close() }

// unsolicitedNA sends an unsolicited neighbour advertisement for ip from
// mac out of index to all nodes (RFC 5798 §6.4.1, RFC 4861 §7.2.6).
func (a *actuator) unsolicitedNA(index uint32, mac net.HardwareAddr, ip netip.Addr) error {
	if a.icmp6 == nil || len(mac) != 6 || !ip.Is6() {
		return nil
	}
	m := neighborAdvert(mac, ip)
	oob := unix.PktInfo6(&unix.Inet6Pktinfo{Ifindex: index})
	_, _, err := a.icmp6.WriteMsgIP(m[:], oob, &net.IPAddr{IP: net.ParseIP("ff02::1")})
	return err
}
