package flap

import (
	"context"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// A carrier flap (the peer's end down) leaves the subject's interface up
// without carrier and keeps its IPv4 address and routes; an admin flap
// takes it down, and the kernel flushes its routes. Read from the kernel,
// not from nlstress's bookkeeping.
func TestCarrierAndAdminFlapsAsTheKernelSeesThem(t *testing.T) {
	l := oneInstanceLab(t)
	ifc := l.Interfaces[0]
	subject := l.Subject.Conn
	peerSide := Links{Conn: l.Peer.Conn, Names: []string{ifc.Name}, Indexes: []uint32{ifc.Index}}
	subjectSide := Links{Conn: subject, Names: []string{ifc.Name}, Indexes: []uint32{ifc.Index}}

	// flags waits, with a deadline, until the subject's interface has the
	// wanted IFF_UP and IFF_RUNNING (linkwatch applies carrier
	// asynchronously), and returns its IPv4 addresses and routes.
	flags := func(up, running bool) (addrs, routes int) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			m, err := subject.Link.Get(ifc.Index)
			if err != nil {
				t.Fatal(err)
			}
			if (m.Flags&unix.IFF_UP != 0) == up && (m.Flags&unix.IFF_RUNNING != 0) == running {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s flags %#x: want up=%v running=%v", ifc.Name, m.Flags, up, running)
			}
			time.Sleep(10 * time.Millisecond)
		}
		as, err := subject.Address.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Index == ifc.Index && a.Family == unix.AF_INET {
				addrs++
			}
		}
		rs, err := subject.Route.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Attributes.OutIface == ifc.Index && r.Family == unix.AF_INET && r.Table == unix.RT_TABLE_MAIN {
				routes++
			}
		}
		return addrs, routes
	}
	addrs, routes := flags(true, true)
	if addrs == 0 || routes == 0 {
		t.Fatalf("before any flap: %d IPv4 addresses, %d routes on %s", addrs, routes, ifc.Name)
	}
	if _, err := peerSide.Set(false); err != nil {
		t.Fatal(err)
	}
	if a, r := flags(true, false); a != addrs || r != routes {
		t.Fatalf("carrier down: %d addresses and %d routes, want %d and %d kept", a, r, addrs, routes)
	}
	if _, err := peerSide.Set(true); err != nil {
		t.Fatal(err)
	}
	flags(true, true)
	if _, err := subjectSide.Set(false); err != nil {
		t.Fatal(err)
	}
	if a, r := flags(false, false); a != addrs || r != 0 {
		t.Fatalf("admin down: %d addresses and %d routes, want the %d addresses kept and the routes flushed", a, r, addrs)
	}
}

// oneInstanceLab builds a lab of one instance, torn down with the test;
// it needs root.
func oneInstanceLab(t *testing.T) *lab.Lab {
	t.Helper()
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	return l
}
