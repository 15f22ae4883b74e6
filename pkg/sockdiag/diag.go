// Package sockdiag is the kernel's view of netlink sockets: for each socket
// in a namespace, its receive buffer, the bytes queued on it, how many
// messages the kernel dropped for it (sk_drops), its multicast groups and
// flags, and the process that owns it.
//
// It reads NETLINK_SOCK_DIAG (the source ss(8) uses) and, as a fallback and
// cross-check, /proc/net/netlink. x/sys/unix has the constants but not the
// structures of linux/netlink_diag.h, so they are defined here.
package sockdiag

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
)

// Socket is one netlink socket as the kernel reports it.
type Socket struct {
	Inode    uint32   `json:"inode"`
	Protocol Protocol `json:"protocol"`
	PortID   uint32   `json:"portid"`
	// Groups are the multicast groups joined, 1-based (RTNLGRP_LINK is 1).
	Groups []uint32 `json:"groups,omitempty"`
	// RcvBuf is the effective receive buffer (sk_rcvbuf), bytes: twice what
	// was asked for with SO_RCVBUF.
	RcvBuf uint32 `json:"rcvbuf"`
	// Rmem is the truesize of the messages queued now (sk_rmem_alloc), bytes.
	Rmem uint32 `json:"rmem"`
	// Drops is sk_drops: messages the kernel could not queue.
	Drops uint32 `json:"drops"`
	// Flags are NDIAG_FLAG_* bits; see NoENOBUFS.
	Flags uint32 `json:"flags"`
	// PID and Comm are the owning process, when Owners found it.
	PID  int    `json:"pid,omitempty"`
	Comm string `json:"comm,omitempty"`
}

// NDIAG_FLAG_* from linux/netlink_diag.h.
const (
	FlagCBRunning      = 0x1
	FlagPktInfo        = 0x2
	FlagBroadcastError = 0x4
	FlagNoENOBUFS      = 0x8
	FlagListenAllNSID  = 0x10
	FlagCapAck         = 0x20
)

// NoENOBUFS reports whether the socket set NETLINK_NO_ENOBUFS: it is never
// told about overruns, and its losses are silent.
func (s Socket) NoENOBUFS() bool { return s.Flags&FlagNoENOBUFS != 0 }

// InGroup reports whether the socket joined group g (1-based).
func (s Socket) InGroup(g uint32) bool {
	for _, x := range s.Groups {
		if x == g {
			return true
		}
	}
	return false
}

// Protocol is a netlink protocol number (NETLINK_ROUTE, ...).
type Protocol uint8

// Protocols diagnose and the stress run pick out.
const (
	// ProtocolRoute is NETLINK_ROUTE: rtnetlink, where link and address
	// monitors live.
	ProtocolRoute Protocol = 0
	// ProtocolSockDiag is NETLINK_SOCK_DIAG, which this package dumps with.
	ProtocolSockDiag Protocol = 4
)

var protocolNames = map[Protocol]string{
	0: "route", 1: "unused", 2: "usersock", 3: "firewall", 4: "sock_diag", 5: "nflog",
	6: "xfrm", 7: "selinux", 8: "iscsi", 9: "audit", 10: "fib_lookup", 11: "connector",
	12: "netfilter", 13: "ip6_fw", 14: "dnrtmsg", 15: "kobject_uevent", 16: "generic",
	18: "scsitransport", 19: "ecryptfs", 20: "rdma", 21: "crypto", 22: "smc",
}

// String names the protocol as ss(8) does, or gives its number.
func (p Protocol) String() string {
	if n, ok := protocolNames[p]; ok {
		return n
	}
	return fmt.Sprintf("proto%d", uint8(p))
}

// MarshalText names the protocol in JSON.
func (p Protocol) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// Wire sizes and codes from linux/netlink_diag.h and linux/sock_diag.h.
const (
	sizeofReq = 20 // struct netlink_diag_req
	sizeofMsg = 28 // struct netlink_diag_msg
	// inodeOffset is ndiag_ino's place in struct netlink_diag_msg.
	inodeOffset = 16
	protoAll    = 0xff
	showMem     = 0x1
	showGroups  = 0x2
	showFlags   = 0x8

	// The NETLINK_DIAG_* attributes start at 0: the header comments out
	// NETLINK_DIAG_NONE.
	attrMeminfo = 0 // NETLINK_DIAG_MEMINFO
	attrGroups  = 1 // NETLINK_DIAG_GROUPS
	attrFlags   = 4 // NETLINK_DIAG_FLAGS

	meminfoRmemAlloc = 0 // SK_MEMINFO_RMEM_ALLOC
	meminfoRcvbuf    = 1 // SK_MEMINFO_RCVBUF
	meminfoDrops     = 8 // SK_MEMINFO_DROPS
)

// request is the dump request body for one protocol (protoAll for
// every one), with memory, groups and flags.
func request(proto Protocol) []byte {
	b := make([]byte, sizeofReq)
	b[0] = 16 // AF_NETLINK
	b[1] = byte(proto)
	binary.NativeEndian.PutUint32(b[8:12], showMem|showGroups|showFlags)
	return b
}

var errShort = errors.New("sockdiag: short message")

// parseMessage decodes one SOCK_DIAG_BY_FAMILY reply body.
func parseMessage(b []byte) (Socket, error) {
	if len(b) < sizeofMsg {
		return Socket{}, errShort
	}
	s := Socket{
		Protocol: Protocol(b[2]),
		PortID:   binary.NativeEndian.Uint32(b[4:8]),
		Inode:    binary.NativeEndian.Uint32(b[inodeOffset:]),
	}
	for a := b[sizeofMsg:]; len(a) >= 4; {
		l := int(binary.NativeEndian.Uint16(a[0:2]))
		typ := binary.NativeEndian.Uint16(a[2:4]) &^ 0xc000
		if l < 4 || l > len(a) {
			return s, fmt.Errorf("sockdiag: attribute length %d of %d bytes", l, len(a))
		}
		v := a[4:l]
		switch typ {
		case attrMeminfo:
			get := func(i int) uint32 {
				if len(v) < 4*(i+1) {
					return 0
				}
				return binary.NativeEndian.Uint32(v[4*i:])
			}
			s.Rmem, s.RcvBuf, s.Drops = get(meminfoRmemAlloc), get(meminfoRcvbuf), get(meminfoDrops)
		case attrGroups:
			s.Groups = parseGroups(v)
		case attrFlags:
			if len(v) >= 4 {
				s.Flags = binary.NativeEndian.Uint32(v)
			}
		}
		next := (l + 3) &^ 3
		if next > len(a) {
			break
		}
		a = a[next:]
	}
	return s, nil
}

// parseGroups turns the kernel's group bitmap (an array of unsigned longs,
// little-endian bit order on the machines nlstress runs on) into 1-based
// group numbers.
func parseGroups(v []byte) []uint32 {
	var g []uint32
	for i, b := range v {
		for bit := range 8 {
			if b&(1<<bit) != 0 {
				g = append(g, uint32(i*8+bit+1))
			}
		}
	}
	return g
}

// dedupe keeps one entry per inode: a socket that joined groups is listed
// once from the socket table and once from the multicast table.
func dedupe(in []Socket) []Socket {
	seen := make(map[uint32]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if seen[s.Inode] {
			continue
		}
		seen[s.Inode] = true
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Inode < out[j].Inode })
	return out
}
