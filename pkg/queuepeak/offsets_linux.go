package queuepeak

import (
	"errors"
	"fmt"

	"github.com/cilium/ebpf/btf"
)

// offsets are where the program finds what it reads, in bytes from the
// start of the socket (struct netlink_sock begins with its struct sock)
// and of its network namespace.
type offsets struct {
	family uint32 // sock.__sk_common.skc_family
	portid uint32 // netlink_sock.portid
	net    uint32 // sock.__sk_common.skc_net (a struct net pointer)
	inum   uint32 // net.ns.inum, the namespace's inode number
	rmem   uint32 // sock.sk_backlog.rmem_alloc, the queue's truesize
}

// kernelOffsets reads the offsets from the running kernel's BTF.
func kernelOffsets() (offsets, error) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		return offsets{}, fmt.Errorf("read the kernel's BTF: %w", err)
	}
	var o offsets
	for _, f := range []struct {
		into *uint32
		in   string
		path []string
	}{
		{&o.family, "sock", []string{"__sk_common", "skc_family"}},
		{&o.portid, "netlink_sock", []string{"portid"}},
		{&o.net, "sock", []string{"__sk_common", "skc_net"}},
		{&o.inum, "net", []string{"ns", "inum"}},
		{&o.rmem, "sock", []string{"sk_backlog", "rmem_alloc"}},
	} {
		var st *btf.Struct
		if err := spec.TypeByName(f.in, &st); err != nil {
			return offsets{}, fmt.Errorf("struct %s in the kernel's BTF: %w", f.in, err)
		}
		off, err := memberOffset(st, f.path)
		if err != nil {
			return offsets{}, fmt.Errorf("struct %s: %w", f.in, err)
		}
		*f.into = off
	}
	return o, nil
}

// errNoMember is a member path that the structure does not have.
var errNoMember = errors.New("no such member")

// memberOffset is the byte offset of the member at path in t, looking
// through anonymous structures and unions on the way.
func memberOffset(t btf.Type, path []string) (uint32, error) {
	if len(path) == 0 {
		return 0, nil
	}
	var members []btf.Member
	switch c := btf.UnderlyingType(t).(type) {
	case *btf.Struct:
		members = c.Members
	case *btf.Union:
		members = c.Members
	default:
		return 0, fmt.Errorf("%s: %w (not a structure)", path[0], errNoMember)
	}
	for _, m := range members {
		if m.Name == path[0] {
			if m.Offset%8 != 0 {
				return 0, fmt.Errorf("%s is a bit field", path[0])
			}
			rest, err := memberOffset(m.Type, path[1:])
			if err != nil {
				return 0, fmt.Errorf("%s.%w", path[0], err)
			}
			return uint32(m.Offset/8) + rest, nil
		}
	}
	for _, m := range members {
		if m.Name != "" {
			continue
		}
		if off, err := memberOffset(m.Type, path); err == nil {
			return uint32(m.Offset/8) + off, nil
		}
	}
	return 0, fmt.Errorf("%s: %w", path[0], errNoMember)
}
