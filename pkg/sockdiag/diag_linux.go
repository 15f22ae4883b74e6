package sockdiag

import (
	"encoding/binary"
	"fmt"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// List dumps every netlink socket of a network namespace through
// NETLINK_SOCK_DIAG, one entry per inode, sorted by inode. netnsFD is a
// namespace file descriptor, or 0 for the caller's namespace. It only reads.
func List(netnsFD int) ([]Socket, error) {
	d, err := NewDumper(netnsFD, protoAll)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	msgs, err := d.dump()
	if err != nil {
		return nil, err
	}
	out := make([]Socket, 0, len(msgs))
	for _, m := range msgs {
		s, err := parseMessage(m.Data)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return dedupe(out), nil
}

// Find returns the socket with the given inode from List.
func Find(netnsFD int, inode uint32) (Socket, bool, error) {
	all, err := List(netnsFD)
	if err != nil {
		return Socket{}, false, err
	}
	for _, s := range all {
		if s.Inode == inode {
			return s, true, nil
		}
	}
	return Socket{}, false, nil
}

// Inode returns the socket inode of a file descriptor, the key of List.
func Inode(fd int) (uint32, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, fmt.Errorf("sockdiag: fstat fd %d: %w", fd, err)
	}
	return uint32(st.Ino), nil
}

// Dumper finds one socket again and again through a NETLINK_SOCK_DIAG
// connection it keeps open, dumping one protocol only: what a sampler
// polling another process's socket every few milliseconds needs, where
// List dials a connection (entering the namespace) and dumps every
// protocol each time (with a Dumper of its own, closed at once).
type Dumper struct {
	c     *netlink.Conn
	proto Protocol
	req   netlink.Message
}

// NewDumper opens a dumper of the sockets of one protocol (protoAll for
// every one) in a namespace (netnsFD 0: the caller's).
func NewDumper(netnsFD int, proto Protocol) (*Dumper, error) {
	c, err := netlink.Dial(unix.NETLINK_SOCK_DIAG, &netlink.Config{NetNS: netnsFD})
	if err != nil {
		return nil, fmt.Errorf("sockdiag: dial: %w", err)
	}
	return &Dumper{c: c, proto: proto, req: netlink.Message{
		Header: netlink.Header{Type: unix.SOCK_DIAG_BY_FAMILY, Flags: netlink.Request | netlink.Dump},
		Data:   request(proto),
	}}, nil
}

// Find returns the socket with the given inode, and false when the
// protocol has none.
func (d *Dumper) Find(inode uint32) (Socket, bool, error) {
	msgs, err := d.dump()
	if err != nil {
		return Socket{}, false, err
	}
	for _, m := range msgs {
		if len(m.Data) < sizeofMsg || binary.NativeEndian.Uint32(m.Data[inodeOffset:]) != inode {
			continue
		}
		s, err := parseMessage(m.Data)
		return s, err == nil, err
	}
	return Socket{}, false, nil
}

// dump asks for the sockets once.
func (d *Dumper) dump() ([]netlink.Message, error) {
	msgs, err := d.c.Execute(d.req)
	if err != nil {
		what := d.proto.String()
		if d.proto == protoAll {
			what = "netlink"
		}
		return nil, fmt.Errorf("sockdiag: dump %s sockets: %w", what, err)
	}
	return msgs, nil
}

// Close closes the dumper's connection.
func (d *Dumper) Close() error { return d.c.Close() }
