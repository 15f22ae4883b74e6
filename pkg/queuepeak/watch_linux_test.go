package queuepeak

import (
	"net/netip"
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// unread is a monitor socket in its own anonymous namespace that nobody
// reads, with its namespace and its port id.
type unread struct {
	ns     *netns.NS
	ino    uint64
	sock   *nlmon.Socket
	portid uint32
}

func openUnread(t *testing.T) unread {
	t.Helper()
	ns, err := netns.NewAnonymous()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close() })
	var st unix.Stat_t
	if err := unix.Fstat(ns.Fd(), &st); err != nil {
		t.Fatal(err)
	}
	s, err := nlmon.Open(nlmon.Config{NetNS: ns.Fd(), RcvBuf: 4 * bytesize.MiB, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	d, ok, err := sockdiag.Find(ns.Fd(), s.Inode())
	if err != nil || !ok {
		t.Fatalf("find the monitor: %v %v", ok, err)
	}
	return unread{ns: ns, ino: st.Ino, sock: s, portid: d.PortID}
}

// addresses adds n IPv4 addresses to lo in u's namespace: n messages on
// the address group.
func (u unread) addresses(t *testing.T, n int) {
	t.Helper()
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: u.ns.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range n {
		a := netip.AddrFrom4([4]byte{10, 9, byte(i / 250), byte(i%250 + 1)})
		if err := c.Address.New(&rtnetlink.AddressMessage{Family: unix.AF_INET, PrefixLength: 32, Index: 1,
			Attributes: &rtnetlink.AddressAttributes{Address: a.AsSlice(), Local: a.AsSlice()}}); err != nil {
			t.Fatalf("add %v: %v", a, err)
		}
	}
}

// rmem is the socket's queue now, as sock_diag reports it.
func (u unread) rmem(t *testing.T) uint64 {
	t.Helper()
	d, ok, err := sockdiag.Find(u.ns.Fd(), u.sock.Inode())
	if err != nil || !ok {
		t.Fatalf("find the monitor: %v %v", ok, err)
	}
	return uint64(d.Rmem)
}

// drain reads the socket empty and counts its datagrams.
func (u unread) drain(t *testing.T) uint64 {
	t.Helper()
	buf := make([]byte, 1<<16)
	var n uint64
	for {
		got, err := u.sock.TryRead(buf)
		if err != nil {
			t.Fatalf("drain: %v", err)
		}
		if got == 0 {
			return n
		}
		n++
	}
}

// A socket nobody reads keeps every message, so its queue at the end is
// its peak: the watcher's peak must equal sock_diag's sk_rmem_alloc to
// the byte, and its count the datagrams then read out. The same storm on
// another namespace's socket, with the same port id as likely as not, is
// not counted; after Reset the watcher starts from nothing.
func TestPeakOfAnUnreadSocket(t *testing.T) {
	roottest.Require(t)
	ours, other := openUnread(t), openUnread(t)
	w, err := Watch(ours.ino, ours.portid)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	t.Logf("watching port id %d in namespace %d; the other socket has port id %d", ours.portid, ours.ino, other.portid)

	const n = 300
	other.addresses(t, 2*n)
	ours.addresses(t, n)
	r, err := w.Read()
	if err != nil {
		t.Fatal(err)
	}
	if want := ours.rmem(t); r.Peak != want || want == 0 {
		t.Fatalf("peak %d bytes, sock_diag's queue of the unread socket %d: want equal", r.Peak, want)
	}
	if got := ours.drain(t); r.Queued != got || got < n {
		t.Fatalf("the watcher counted %d messages queued, %d were read out (%d addresses added)", r.Queued, got, n)
	}
	if r, err = w.Reset(); err != nil || r.Queued == 0 {
		t.Fatalf("reset returned %+v, %v", r, err)
	}
	if r, err = w.Read(); err != nil || r != (Reading{}) {
		t.Fatalf("after reset: %+v, %v; want nothing", r, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
}
