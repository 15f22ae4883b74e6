package sockdiag_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"golang.org/x/sys/unix"
)

// overrun flaps eth2 of a 255-VMAC lab while s is not read, and waits with
// a deadline until the kernel has counted drops on s.
func overrun(t *testing.T, l *lab.Lab, s *nlmon.Socket) {
	t.Helper()
	eth2 := l.Interfaces[0].Index
	deadline := time.Now().Add(10 * time.Second)
	for up := false; ; up = !up {
		if err := lab.SetLink(l.Subject.Conn, eth2, up); err != nil {
			t.Fatal(err)
		}
		mi, err := s.MemInfo()
		if err != nil {
			t.Fatal(err)
		}
		if mi.Drops > 0 && up {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no drops within 10s of flapping")
		}
	}
}

// overrunLab builds a lab of n instances with VMACs, opens a monitor of
// the given buffer in its subject namespace, and overruns it: the lab and
// a socket with drops, both removed when the test ends.
func overrunLab(t *testing.T, n int, rcvbuf bytesize.Size) (*lab.Lab, *nlmon.Socket) {
	t.Helper()
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: n, VMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	s, err := nlmon.Open(nlmon.Config{NetNS: l.Subject.NS.Fd(), RcvBuf: rcvbuf, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	overrun(t, l, s)
	return l, s
}

func TestListFindsMonitorInLab(t *testing.T) {
	l, s := overrunLab(t, 255, 8*bytesize.KiB)
	// Late linkwatch notifications may still add drops: bracket each
	// reading between two of the socket's own.
	before, err := s.MemInfo()
	if err != nil {
		t.Fatal(err)
	}
	socks, err := sockdiag.List(l.Subject.NS.Fd())
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.MemInfo()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint32]bool{}
	for _, x := range socks {
		if seen[x.Inode] {
			t.Fatalf("inode %d listed twice", x.Inode)
		}
		seen[x.Inode] = true
	}
	socks = sockdiag.WithOwners(socks)
	var got sockdiag.Socket
	for _, x := range socks {
		if x.Inode == s.Inode() {
			got = x
		}
	}
	if got.Inode == 0 {
		t.Fatalf("monitor socket %d not among %d sockets in the lab", s.Inode(), len(socks))
	}
	if got.Protocol.String() != "route" || bytesize.Size(got.RcvBuf) != s.Effective() || got.Drops < before.Drops || got.Drops > after.Drops || got.Drops == 0 {
		t.Fatalf("sockdiag says %+v; the socket says rcvbuf %d drops %d..%d", got, s.Effective(), before.Drops, after.Drops)
	}
	for _, g := range nlmon.KeepalivedGroups {
		if !got.InGroup(uint32(g)) {
			t.Fatalf("groups %v lack %s", got.Groups, g)
		}
	}
	if got.PID != os.Getpid() || got.Comm == "" {
		t.Fatalf("owner = pid %d %q, want %d", got.PID, got.Comm, os.Getpid())
	}

	// /proc/net/netlink, read from inside the namespace, agrees.
	var entries []sockdiag.ProcEntry
	if err := l.Subject.NS.Do(func() (err error) {
		entries, err = sockdiag.ReadProcNetlink()
		return err
	}); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range entries {
		if e.Inode == s.Inode() {
			found = true
			if e.Drops < got.Drops || e.Groups != 1<<0|1<<4|1<<8 {
				t.Fatalf("/proc/net/netlink says drops %d groups %#x; sockdiag drops %d", e.Drops, e.Groups, got.Drops)
			}
		}
	}
	if !found {
		t.Fatal("monitor socket missing from the namespace's /proc/net/netlink")
	}
}

func TestListRootNamespaceReadOnly(t *testing.T) {
	roottest.Require(t)
	s, err := nlmon.Open(nlmon.Config{NoENOBUFS: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok, err := sockdiag.Find(0, s.Inode())
	if err != nil || !ok {
		t.Fatalf("Find in the root namespace: %v, found %v", err, ok)
	}
	if !got.NoENOBUFS() {
		t.Fatalf("flags %#x lack NO_ENOBUFS", got.Flags)
	}
	owners := sockdiag.Owners()
	if o := owners[s.Inode()]; len(o) != 1 || o[0].PID != os.Getpid() {
		t.Fatalf("owners of %d = %+v", s.Inode(), o)
	}
}

func TestSampler(t *testing.T) {
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 255, VMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	s, err := nlmon.Open(nlmon.Config{NetNS: l.Subject.NS.Fd(), RcvBuf: 8 * bytesize.KiB, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	diag := sockdiag.NewSampler(l.Subject.NS.Fd(), s.Inode(), time.Millisecond)
	overrun(t, l, s)
	diag.Poll()
	own, _ := s.MemInfo()
	if diag.Err() != nil || diag.HighWater() == 0 || diag.Last().Drops == 0 || diag.Last().Drops > own.Drops || len(diag.DropChanges()) == 0 {
		t.Fatalf("sampler: err %v high-water %d last %+v; socket drops %d", diag.Err(), diag.HighWater(), diag.Last(), own.Drops)
	}
	if uint32(s.Effective()) < diag.HighWater() {
		// The kernel admits one message past rcvbuf, never more than that.
		if diag.HighWater()-uint32(s.Effective()) > 64<<10 {
			t.Fatalf("high-water %d far above rcvbuf %d", diag.HighWater(), s.Effective())
		}
	}
}

// A Dumper finds the same socket, with the same counters, as List does,
// and nothing for an inode that is not a route socket.
func TestDumperAgreesWithList(t *testing.T) {
	l, s := overrunLab(t, 64, 4*bytesize.KiB)
	d, err := sockdiag.NewDumper(l.Subject.NS.Fd(), sockdiag.ProtocolRoute)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// Bracket both readings between the socket's own, as late linkwatch
	// notifications may still add drops.
	for deadline := time.Now().Add(10 * time.Second); ; {
		before, _ := s.MemInfo()
		viaDumper, ok, err := d.Find(s.Inode())
		if err != nil || !ok {
			t.Fatalf("Dumper.Find: %v, found %v", err, ok)
		}
		viaList, ok, err := sockdiag.Find(l.Subject.NS.Fd(), s.Inode())
		if err != nil || !ok {
			t.Fatalf("Find: %v, found %v", err, ok)
		}
		after, _ := s.MemInfo()
		if before.Drops == after.Drops {
			if viaDumper.Drops != after.Drops || viaList.Drops != after.Drops || viaDumper.RcvBuf != viaList.RcvBuf || len(viaDumper.Groups) != len(viaList.Groups) {
				t.Fatalf("dumper %+v, list %+v, socket %+v", viaDumper, viaList, after)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("drops never settled")
		}
	}
	// The sock_diag socket itself is not a route socket.
	if _, ok, err := d.Find(1); err != nil || ok {
		t.Fatalf("inode 1: found %v, err %v", ok, err)
	}
}

// BenchmarkFind compares three ways to read one socket's counters, the
// sampler's cost per sample of an outside daemon's socket: dialing and
// dumping every protocol (Find, what the sampler first did), a Dumper
// that keeps its connection and dumps route sockets only, and a borrowed
// descriptor read with SO_MEMINFO (what it does now).
func BenchmarkFind(b *testing.B) {
	roottest.Require(b)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 8})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Teardown() })
	s, err := nlmon.Open(nlmon.Config{NetNS: l.Subject.NS.Fd()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ns := l.Subject.NS.Fd()
	d, err := sockdiag.NewDumper(ns, sockdiag.ProtocolRoute)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	fd, err := sockdiag.Borrow(os.Getpid(), s.Inode())
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fd)
	// Alternate the three in one loop, so that all see the same machine.
	var list, dumper, borrowed time.Duration
	for range b.N {
		t0 := time.Now()
		if _, ok, err := sockdiag.Find(ns, s.Inode()); err != nil || !ok {
			b.Fatal(err, ok)
		}
		t1 := time.Now()
		if _, ok, err := d.Find(s.Inode()); err != nil || !ok {
			b.Fatal(err, ok)
		}
		t2 := time.Now()
		if _, err := sockdiag.ReadMemInfo(fd); err != nil {
			b.Fatal(err)
		}
		list, dumper, borrowed = list+t1.Sub(t0), dumper+t2.Sub(t1), borrowed+time.Since(t2)
	}
	b.ReportMetric(float64(list.Nanoseconds())/float64(b.N), "list-ns/find")
	b.ReportMetric(float64(dumper.Nanoseconds())/float64(b.N), "dumper-ns/find")
	b.ReportMetric(float64(borrowed.Nanoseconds())/float64(b.N), "borrowed-ns/find")
	b.ReportMetric(float64(borrowed)/float64(list), "borrowed/list-ratio")
}

// A borrowed descriptor reads the same counters as the socket's owner
// does, in one system call.
func TestBorrow(t *testing.T) {
	_, s := overrunLab(t, 64, 4*bytesize.KiB)
	fd, err := sockdiag.Borrow(os.Getpid(), s.Inode())
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if ino, err := sockdiag.Inode(fd); err != nil || ino != s.Inode() {
		t.Fatalf("borrowed inode %d (%v), want %d", ino, err, s.Inode())
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		before, _ := s.MemInfo()
		got, err := sockdiag.ReadMemInfo(fd)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := s.MemInfo()
		if before == after {
			if got != after {
				t.Fatalf("borrowed %+v, owner %+v", got, after)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("counters never settled")
		}
	}
	if _, err := sockdiag.Borrow(os.Getpid(), 1); !errors.Is(err, sockdiag.ErrNotHeld) {
		t.Fatalf("inode 1: %v, want ErrNotHeld", err)
	}
}
