package sockdiag

import (
	"encoding/binary"
	"testing"
)

// diagMessage builds a netlink_diag_msg with meminfo, groups and flags.
func diagMessage(inode, rmem, rcvbuf, drops uint32, groups []byte, flags uint32) []byte {
	b := make([]byte, sizeofMsg)
	b[0], b[2] = 16, 0
	binary.NativeEndian.PutUint32(b[4:], 77)
	binary.NativeEndian.PutUint32(b[16:], inode)
	attr := func(typ uint16, v []byte) {
		h := make([]byte, 4)
		binary.NativeEndian.PutUint16(h, uint16(4+len(v)))
		binary.NativeEndian.PutUint16(h[2:], typ)
		b = append(b, h...)
		b = append(b, v...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	mem := make([]byte, 9*4)
	binary.NativeEndian.PutUint32(mem[0:], rmem)
	binary.NativeEndian.PutUint32(mem[4:], rcvbuf)
	binary.NativeEndian.PutUint32(mem[32:], drops)
	attr(attrMeminfo, mem)
	attr(attrGroups, groups)
	f := make([]byte, 4)
	binary.NativeEndian.PutUint32(f, flags)
	attr(attrFlags, f)
	return b
}

func TestParseMessage(t *testing.T) {
	// Groups 1 (link), 5 (ipv4-ifaddr), 9 (ipv6-ifaddr): bits 0, 4, 8.
	m := diagMessage(4242, 9216, 262144, 448, []byte{0x11, 0x01, 0, 0, 0, 0, 0, 0}, FlagNoENOBUFS)
	s, err := parseMessage(m)
	if err != nil {
		t.Fatal(err)
	}
	if s.Inode != 4242 || s.PortID != 77 || s.Rmem != 9216 || s.RcvBuf != 262144 || s.Drops != 448 || !s.NoENOBUFS() {
		t.Fatalf("parsed %+v", s)
	}
	if len(s.Groups) != 3 || !s.InGroup(1) || !s.InGroup(5) || !s.InGroup(9) {
		t.Fatalf("groups %v, want [1 5 9]", s.Groups)
	}
	if _, err := parseMessage(m[:10]); err == nil {
		t.Fatal("short message accepted")
	}
}

func TestDedupe(t *testing.T) {
	got := dedupe([]Socket{{Inode: 9}, {Inode: 3}, {Inode: 9, Drops: 1}})
	if len(got) != 2 || got[0].Inode != 3 || got[1].Inode != 9 {
		t.Fatalf("dedupe = %+v", got)
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add(diagMessage(1, 2, 3, 4, []byte{1, 0, 0, 0}, 0))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := parseMessage(b)
		if err == nil && len(b) < sizeofMsg {
			t.Fatalf("accepted %d bytes: %+v", len(b), s)
		}
	})
}
