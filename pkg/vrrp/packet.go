// Package vrrp is nlstress's VRRP engine: the packet codec for VRRPv3
// (RFC 5798) and VRRPv2 (RFC 3768) over IPv4 and IPv6, a pure state machine
// with keepalived's FAULT state, and routers that run many instances on
// real sockets in a lab namespace.
//
// The codec and the state machine are pure and build on any OS; sockets,
// timers and the actuator are Linux-only.
package vrrp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Protocol is VRRP's IP protocol number (RFC 5798 §5.2.4).
const Protocol = 112

// TypeAdvertisement is the only VRRP packet type (RFC 5798 §5.2.2).
const TypeAdvertisement = 1

// Multicast groups for advertisements (RFC 5798 §5.1.1.2, §5.1.2.2).
var (
	GroupIPv4 = netip.MustParseAddr("224.0.0.18")
	GroupIPv6 = netip.MustParseAddr("ff02::12")
)

// TTL is the IPv4 TTL / IPv6 hop limit every advertisement carries and
// every receiver checks (RFC 5798 §5.1.1.3, §7.1).
const TTL = 255

// Priorities with a special meaning (RFC 5798 §5.2.4).
const (
	PriorityResign = 0   // the master is giving up
	PriorityOwner  = 255 // the IPvX address owner
)

// Authentication types of VRRPv2 (RFC 3768 §5.3.6); v3 has none.
const (
	AuthNone   = 0
	AuthSimple = 1 // simple text password, 8 bytes
)

// headerLen is the fixed part of a VRRP packet; v2 adds 8 bytes of
// authentication data after the addresses.
const (
	headerLen  = 8
	authLen    = 8
	maxAddrs   = 255
	maxAdverCS = 0x0fff // 12 bits of centiseconds
)

// Packet is a decoded VRRP advertisement.
type Packet struct {
	Version  int   // 2 or 3
	VRID     uint8 // 1..255
	Priority uint8
	// AdvertInterval is v3's Max Adver Int (centisecond resolution, up to
	// 40.95 s) or v2's Adver Int (whole seconds).
	AdvertInterval time.Duration
	AuthType       uint8   // v2 only
	AuthData       [8]byte // v2 only
	Addrs          []netip.Addr
}

// Reason says why a received packet was discarded (RFC 5798 §7.1,
// RFC 3768 §7.1). Routers count discards by reason.
type Reason int

// Discard reasons.
const (
	ReasonNone           Reason = iota
	ReasonTTL                   // TTL or hop limit is not 255
	ReasonVersion               // not the configured version
	ReasonType                  // not an ADVERTISEMENT
	ReasonShort                 // shorter than its address count says
	ReasonChecksum              // bad checksum
	ReasonUnknownVRID           // VRID not configured on the interface
	ReasonOwner                 // we are the address owner (priority 255)
	ReasonAddrList              // address list differs and sender is not the owner
	ReasonAdvertInterval        // v2: interval differs from ours
	ReasonAuth                  // v2: authentication type or data differs
	ReasonFamily                // address family of the list is wrong
	ReasonZeroVRID              // VRID 0
	numReasons
)

var reasonNames = [...]string{"none", "ttl", "version", "type", "short", "checksum", "unknown-vrid", "owner", "address-list", "advert-interval", "auth", "family", "zero-vrid"}

// String names the reason, e.g. "checksum".
func (r Reason) String() string {
	if r >= 0 && int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason%d", int(r))
}

// DiscardError is a packet rejected for a Reason.
type DiscardError struct {
	Reason Reason
	Detail string
}

func (e *DiscardError) Error() string { return "vrrp: discard: " + e.Reason.String() + ": " + e.Detail }

func discard(r Reason, format string, args ...any) error {
	return &DiscardError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// ReasonOf returns the Reason of a *DiscardError (from Parse or
// Config.Check), or ReasonNone for any other error and for nil.
func ReasonOf(err error) Reason {
	var d *DiscardError
	if errors.As(err, &d) {
		return d.Reason
	}
	return ReasonNone
}

// Marshal encodes the packet for sending from src to dst (the multicast
// group); v3's checksum covers an IP pseudo-header of both.
func (p *Packet) Marshal(src, dst netip.Addr) ([]byte, error) {
	if p.Version != 2 && p.Version != 3 {
		return nil, fmt.Errorf("vrrp: version %d: want 2 or 3", p.Version)
	}
	if len(p.Addrs) > maxAddrs {
		return nil, fmt.Errorf("vrrp: %d addresses: at most %d", len(p.Addrs), maxAddrs)
	}
	alen := 4
	if src.Is6() {
		alen = 16
		if p.Version == 2 {
			return nil, errors.New("vrrp: VRRPv2 has no IPv6")
		}
	}
	n := headerLen + alen*len(p.Addrs)
	if p.Version == 2 {
		n += authLen
	}
	b := make([]byte, n)
	b[0] = byte(p.Version)<<4 | TypeAdvertisement
	b[1] = p.VRID
	b[2] = p.Priority
	b[3] = byte(len(p.Addrs))
	if p.Version == 3 {
		cs := p.AdvertInterval / (10 * time.Millisecond)
		if cs < 1 || cs > maxAdverCS {
			return nil, fmt.Errorf("vrrp: advertisement interval %v: want 10ms to 40.95s", p.AdvertInterval)
		}
		binary.BigEndian.PutUint16(b[4:6], uint16(cs))
	} else {
		s := p.AdvertInterval / time.Second
		if s < 1 || s > 255 || p.AdvertInterval%time.Second != 0 {
			return nil, fmt.Errorf("vrrp: VRRPv2 advertisement interval %v: want whole seconds, 1 to 255", p.AdvertInterval)
		}
		b[4] = p.AuthType
		b[5] = byte(s)
	}
	off := headerLen
	for _, a := range p.Addrs {
		if (alen == 4) != a.Is4() {
			return nil, fmt.Errorf("vrrp: address %s in a packet from %s: families differ", a, src)
		}
		copy(b[off:], a.AsSlice())
		off += alen
	}
	if p.Version == 2 {
		copy(b[off:], p.AuthData[:])
	}
	binary.BigEndian.PutUint16(b[6:8], checksum(b, p.Version, src, dst))
	return b, nil
}

// Parse decodes a VRRP packet received from src to dst, with the IPv4 TTL
// or IPv6 hop limit it arrived with, and applies the checks of RFC 5798 §7.1
// that need no configuration: TTL, version (2 or 3), type, length against
// the address count, and checksum. A rejected packet's error is a
// *DiscardError naming the Reason.
func Parse(b []byte, ttl int, src, dst netip.Addr) (Packet, error) {
	var p Packet
	if ttl != TTL {
		return p, discard(ReasonTTL, "TTL %d from %s", ttl, src)
	}
	if len(b) < headerLen {
		return p, discard(ReasonShort, "%d bytes", len(b))
	}
	p.Version = int(b[0] >> 4)
	if p.Version != 2 && p.Version != 3 {
		return p, discard(ReasonVersion, "version %d", p.Version)
	}
	if b[0]&0x0f != TypeAdvertisement {
		return p, discard(ReasonType, "type %d", b[0]&0x0f)
	}
	if p.Version == 2 && src.Is6() {
		return p, discard(ReasonVersion, "VRRPv2 over IPv6")
	}
	p.VRID, p.Priority = b[1], b[2]
	if p.VRID == 0 {
		return p, discard(ReasonZeroVRID, "VRID 0")
	}
	count := int(b[3])
	alen := 4
	if src.Is6() {
		alen = 16
	}
	need := headerLen + count*alen
	if p.Version == 2 {
		need += authLen
	}
	if len(b) < need {
		return p, discard(ReasonShort, "%d bytes for %d addresses, need %d", len(b), count, need)
	}
	b = b[:need]
	if got, want := binary.BigEndian.Uint16(b[6:8]), checksum(b, p.Version, src, dst); got != want {
		return p, discard(ReasonChecksum, "checksum %#04x, computed %#04x", got, want)
	}
	if p.Version == 3 {
		p.AdvertInterval = time.Duration(binary.BigEndian.Uint16(b[4:6])&maxAdverCS) * 10 * time.Millisecond
	} else {
		p.AuthType = b[4]
		p.AdvertInterval = time.Duration(b[5]) * time.Second
		copy(p.AuthData[:], b[need-authLen:])
	}
	p.Addrs = make([]netip.Addr, count)
	for i := range count {
		a, _ := netip.AddrFromSlice(b[headerLen+i*alen : headerLen+(i+1)*alen])
		p.Addrs[i] = a
	}
	return p, nil
}

// checksum computes the VRRP checksum of b with its checksum field taken
// as zero: for v3 over the IPv4 or IPv6 pseudo-header and the message
// (RFC 5798 §5.2.8), for v2 over the message only (RFC 3768 §5.3.8).
func checksum(b []byte, version int, src, dst netip.Addr) uint16 {
	var sum uint32
	add := func(p []byte) {
		for len(p) >= 2 {
			sum += uint32(p[0])<<8 | uint32(p[1])
			p = p[2:]
		}
		if len(p) == 1 {
			sum += uint32(p[0]) << 8
		}
	}
	if version == 3 {
		add(src.AsSlice())
		add(dst.AsSlice())
		// Protocol and length: IPv4 has zero, protocol, 16-bit length;
		// IPv6 has a 32-bit length and three zero bytes, next header.
		// Both sum to the same 16-bit words.
		sum += Protocol + uint32(len(b))
	}
	add(b[:6])
	add(b[8:])
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}
