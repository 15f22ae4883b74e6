package nlmon

import (
	"encoding/binary"
	"errors"
	"net/netip"

	"golang.org/x/sys/unix"
)

// rtnetlink message types (linux/rtnetlink.h).
const (
	TypeNewLink  = 16
	TypeDelLink  = 17
	TypeNewAddr  = 20
	TypeDelAddr  = 21
	TypeNewRoute = 24
	TypeDelRoute = 25
	TypeNewNeigh = 28
	TypeDelNeigh = 29
	TypeNewRule  = 32
	TypeDelRule  = 33

	nlmsgNoop  = 1
	nlmsgError = 2
	nlmsgDone  = 3
	headerLen  = 16 // struct nlmsghdr

	// markerMagic is the nlmsg_seq of an nlstress marker message
	// ("nlsm"); its nlmsg_pid holds the marker's number.
	markerMagic = 0x6e6c736d
)

// TypeName names an rtnetlink message type ("RTM_NEWLINK").
func TypeName(t uint16) string {
	switch t {
	case TypeNewLink:
		return "RTM_NEWLINK"
	case TypeDelLink:
		return "RTM_DELLINK"
	case TypeNewAddr:
		return "RTM_NEWADDR"
	case TypeDelAddr:
		return "RTM_DELADDR"
	case TypeNewRoute:
		return "RTM_NEWROUTE"
	case TypeDelRoute:
		return "RTM_DELROUTE"
	case TypeNewNeigh:
		return "RTM_NEWNEIGH"
	case TypeDelNeigh:
		return "RTM_DELNEIGH"
	case TypeNewRule:
		return "RTM_NEWRULE"
	case TypeDelRule:
		return "RTM_DELRULE"
	}
	return "RTM_" + itoa(int(t))
}

func itoa(n int) string {
	var b [8]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// Event is one decoded rtnetlink notification: the fields a VRRP daemon
// acts on. Decoding fills it in place and does not allocate, so a reader can
// reuse one Event for every message.
type Event struct {
	Type uint16 // RTM_* message type
	Len  uint32 // message length including its header, bytes
	// Index is the interface: ifi_index for links, ifa_index for addresses,
	// RTA_OIF for routes, ndm_ifindex for neighbours.
	Index uint32
	// Flags are a link's ifi_flags (IFF_UP, IFF_RUNNING, IFF_LOWER_UP).
	Flags uint32
	// OperState is a link's IFLA_OPERSTATE (6 is up).
	OperState uint8
	// Family and PrefixLen describe an address or route.
	Family    uint8
	PrefixLen uint8
	// Addr is an address's IFA_LOCAL (else IFA_ADDRESS), or a route's RTA_DST.
	Addr netip.Addr
	// Resync marks an event synthesized from a dump after an overrun, not
	// received as a notification.
	Resync bool
	// Marker is the number of an nlstress marker message (see Marker), 0
	// for every other message.
	Marker uint32

	name    [16]byte
	nameLen uint8
}

// Name is a link's IFLA_IFNAME, "" for other messages.
func (e *Event) Name() string { return string(e.name[:e.nameLen]) }

// NameIs reports whether a link's name is s, without allocating.
func (e *Event) NameIs(s string) bool { return string(e.name[:e.nameLen]) == s }

// LinkUp reports whether a link event says the link is usable (see the
// function LinkUp).
func (e *Event) LinkUp() bool { return LinkUp(e.Flags) }

// LinkUp reports whether a link's ifi_flags say it is usable: up and with
// carrier (IFF_UP and IFF_RUNNING), as keepalived judges it.
func LinkUp(flags uint32) bool {
	return flags&unix.IFF_UP != 0 && flags&unix.IFF_RUNNING != 0
}

// Errors from Decode.
var (
	ErrShort     = errors.New("nlmon: message shorter than its header says")
	ErrMalformed = errors.New("nlmon: malformed attribute")
)

// attribute types used by Decode.
const (
	iflaIfname    = 3
	iflaOperstate = 16
	ifaAddress    = 1
	ifaLocal      = 2
	rtaDst        = 1
	rtaOif        = 4
)

// Decode fills e from one netlink message (header and body). Unknown types
// keep only Type and Len. It never allocates.
func (e *Event) Decode(msg []byte) error {
	*e = Event{}
	if len(msg) < headerLen {
		return ErrShort
	}
	l := binary.NativeEndian.Uint32(msg[0:4])
	if l < headerLen || int(l) > len(msg) {
		return ErrShort
	}
	e.Len = l
	e.Type = binary.NativeEndian.Uint16(msg[4:6])
	body := msg[headerLen:l]
	switch e.Type {
	case nlmsgNoop:
		if binary.NativeEndian.Uint32(msg[8:12]) == markerMagic {
			e.Marker = binary.NativeEndian.Uint32(msg[12:16])
		}
	case TypeNewLink, TypeDelLink:
		if len(body) < 16 {
			return ErrShort
		}
		e.Index = binary.NativeEndian.Uint32(body[4:8])
		e.Flags = binary.NativeEndian.Uint32(body[8:12])
		return e.attrs(body[16:])
	case TypeNewAddr, TypeDelAddr:
		if len(body) < 8 {
			return ErrShort
		}
		e.Family, e.PrefixLen = body[0], body[1]
		e.Index = binary.NativeEndian.Uint32(body[4:8])
		return e.attrs(body[8:])
	case TypeNewNeigh, TypeDelNeigh:
		if len(body) < 12 {
			return ErrShort
		}
		e.Family = body[0]
		e.Index = binary.NativeEndian.Uint32(body[4:8])
		return nil
	case TypeNewRoute, TypeDelRoute, TypeNewRule, TypeDelRule:
		if len(body) < 12 {
			return ErrShort
		}
		e.Family, e.PrefixLen = body[0], body[1]
		return e.attrs(body[12:])
	}
	return nil
}

// attrs walks the attributes of a link, address or route body.
func (e *Event) attrs(b []byte) error {
	var local netip.Addr
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b[0:2]))
		t := binary.NativeEndian.Uint16(b[2:4]) &^ 0xc000
		if l < 4 || l > len(b) {
			return ErrMalformed
		}
		v := b[4:l]
		switch e.Type {
		case TypeNewLink, TypeDelLink:
			switch t {
			case iflaIfname:
				n := copy(e.name[:], v)
				for i := 0; i < n; i++ {
					if e.name[i] == 0 {
						n = i
						break
					}
				}
				e.nameLen = uint8(n)
			case iflaOperstate:
				if len(v) >= 1 {
					e.OperState = v[0]
				}
			}
		case TypeNewAddr, TypeDelAddr:
			switch t {
			case ifaAddress:
				e.Addr = addrFrom(v)
			case ifaLocal:
				local = addrFrom(v)
			}
		case TypeNewRoute, TypeDelRoute:
			switch t {
			case rtaDst:
				e.Addr = addrFrom(v)
			case rtaOif:
				if len(v) >= 4 {
					e.Index = binary.NativeEndian.Uint32(v)
				}
			}
		}
		next := (l + 3) &^ 3
		if next >= len(b) {
			break
		}
		b = b[next:]
	}
	if local.IsValid() {
		e.Addr = local
	}
	return nil
}

func addrFrom(v []byte) netip.Addr {
	switch len(v) {
	case 4:
		return netip.AddrFrom4([4]byte(v))
	case 16:
		return netip.AddrFrom16([16]byte(v))
	}
	return netip.Addr{}
}

// Messages calls fn for each netlink message in a datagram, in order, and
// stops at the first malformed header. Multicast notifications arrive one
// per datagram; dump replies pack several.
func Messages(datagram []byte, fn func(msg []byte)) error {
	for len(datagram) >= headerLen {
		l := int(binary.NativeEndian.Uint32(datagram[0:4]))
		if l < headerLen || l > len(datagram) {
			return ErrShort
		}
		fn(datagram[:l])
		next := (l + 3) &^ 3
		if next >= len(datagram) {
			return nil
		}
		datagram = datagram[next:]
	}
	return nil
}
