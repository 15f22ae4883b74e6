package vrrp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
)

// ErrFamily is returned for an address family the router cannot run yet.
var ErrFamily = errors.New("address family not supported by the router")

// rawSocket is a router's one VRRP socket for IPv4: protocol 112, joined to
// 224.0.0.18 on each of its interfaces, TTL 255, multicast loop off, and
// IP_PKTINFO so that each packet says which interface it came in on and each
// send says which interface (a VMAC, or the base) it leaves by.
type rawSocket struct {
	c  *net.IPConn
	fd int
}

// rcvBufVRRP is the raw socket's receive buffer: room for several rounds of
// 4,095 instances' advertisements, so the router's own socket never drops.
const rcvBufVRRP = 4 << 20

// openRawSocket opens the socket inside ns and joins the VRRP group on the
// given interfaces.
func openRawSocket(ns *netns.NS, ifindexes []uint32) (*rawSocket, error) {
	s := &rawSocket{}
	var err error
	s.c, err = openRaw(ns, "ip4", func(fd int, set setter) error {
		s.fd = fd
		set(unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, TTL, "IP_MULTICAST_TTL")
		set(unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP")
		set(unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL")
		set(unix.IPPROTO_IP, unix.IP_PKTINFO, 1, "IP_PKTINFO")
		for _, idx := range ifindexes {
			mreq := &unix.IPMreqn{Multiaddr: GroupIPv4.As4(), Ifindex: int32(idx)}
			if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP, mreq); err != nil {
				return fmt.Errorf("vrrp: join %s on ifindex %d: %w", GroupIPv4, idx, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// send sends one VRRP message to the group out of ifindex with source src.
func (s *rawSocket) send(b []byte, ifindex uint32, src netip.Addr) error {
	oob := unix.PktInfo4(&unix.Inet4Pktinfo{Ifindex: int32(ifindex), Spec_dst: src.As4()})
	_, _, err := s.c.WriteMsgIP(b, oob, &net.IPAddr{IP: GroupIPv4.AsSlice()})
	return err
}

// received is one datagram as read, IPv4 header included.
type received struct {
	ifindex  uint32
	ttl      int
	src, dst netip.Addr
	payload  []byte
}

// recv reads one datagram into b (the IPv4 header is kept by raw sockets)
// and splits it. oob must hold an IP_PKTINFO control message.
func (s *rawSocket) recv(b, oob []byte) (received, error) {
	n, oobn, _, _, err := s.c.ReadMsgIP(b, oob)
	if err != nil {
		return received{}, err
	}
	return parseIPv4(b[:n], oob[:oobn])
}

// errShortIP is a datagram too short to carry an IPv4 header.
var errShortIP = errors.New("vrrp: short IPv4 datagram")

// parseIPv4 splits an IPv4 datagram and its IP_PKTINFO control message.
func parseIPv4(b, oob []byte) (received, error) {
	if len(b) < 20 || b[0]>>4 != 4 {
		return received{}, errShortIP
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(b[2])<<8 | int(b[3])
	if ihl < 20 || len(b) < ihl || total < ihl {
		return received{}, errShortIP
	}
	if total < len(b) {
		b = b[:total]
	}
	r := received{
		ttl:     int(b[8]),
		src:     netip.AddrFrom4([4]byte(b[12:16])),
		dst:     netip.AddrFrom4([4]byte(b[16:20])),
		payload: b[ihl:],
	}
	if cms, err := unix.ParseSocketControlMessage(oob); err == nil {
		for _, cm := range cms {
			if cm.Header.Level == unix.IPPROTO_IP && cm.Header.Type == unix.IP_PKTINFO && len(cm.Data) >= unix.SizeofInet4Pktinfo {
				r.ifindex = binary.NativeEndian.Uint32(cm.Data[:4]) // ipi_ifindex
			}
		}
	}
	return r, nil
}

// close closes the socket; a blocked recv returns.
func (s *rawSocket) close() error { return s.c.Close() }
