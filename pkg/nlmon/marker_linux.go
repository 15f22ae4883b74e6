package nlmon

import (
	"context"
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/socket"
	"golang.org/x/sys/unix"
)

// Marker sends marker messages: an NLMSG_NOOP that the kernel broadcasts
// to every socket of the link group in the namespace, in the same order as
// the notifications around it. A reader that has seen marker k has read
// everything queued before it, which closes a measuring window on the
// reader's own count rather than on a guess that it is idle. The kernel
// ignores the unicast copy (a NOOP without NLM_F_ACK is not answered).
// Sending to a group needs CAP_NET_ADMIN in the namespace. Monitors,
// oracles and resyncs leave markers out of every count.
type Marker struct {
	c    *socket.Conn
	next uint32
}

// OpenMarker opens a marker sender in the namespace netnsFD.
func OpenMarker(netnsFD int) (*Marker, error) {
	c, err := socket.Socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE, "nlmon-marker", &socket.Config{NetNS: netnsFD})
	if err != nil {
		return nil, fmt.Errorf("nlmon: open marker socket: %w", err)
	}
	if err := c.Bind(&unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		c.Close()
		return nil, fmt.Errorf("nlmon: bind marker socket: %w", err)
	}
	return &Marker{c: c}, nil
}

// Send broadcasts the next marker to the link group (RTNLGRP_LINK, which
// every monitor and oracle joins) and returns its number (1, 2, ...).
func (mk *Marker) Send() (uint32, error) {
	mk.next++
	var msg [headerLen]byte
	binary.NativeEndian.PutUint32(msg[0:4], headerLen)
	binary.NativeEndian.PutUint16(msg[4:6], nlmsgNoop)
	binary.NativeEndian.PutUint32(msg[8:12], markerMagic)
	binary.NativeEndian.PutUint32(msg[12:16], mk.next)
	to := &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: 1 << (uint32(GroupLink) - 1)}
	if err := mk.c.Sendto(context.Background(), msg[:], 0, to); err != nil {
		return 0, fmt.Errorf("nlmon: send marker %d: %w", mk.next, err)
	}
	return mk.next, nil
}

// Sent is how many markers Send has sent.
func (mk *Marker) Sent() uint64 { return uint64(mk.next) }

// Close closes the marker sender.
func (mk *Marker) Close() error { return mk.c.Close() }
