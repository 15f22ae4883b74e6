package vrrp

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// twoRouters builds a lab of n instances and starts a subject (priority
// 200, tracking its interface) and a peer (priority 100) on it.
func twoRouters(t testing.TB, n, version int, interval time.Duration) (*lab.Lab, *Router, *Router) {
	return twoRoutersFamily(t, n, version, 4, interval)
}

// twoRoutersFamily is twoRouters for address family 4 or 6 (VRRPv3 over
// IPv6 advertises from the lab's link-local addresses).
func twoRoutersFamily(t testing.TB, n, version, family int, interval time.Duration, edit ...func(lab.Role, *InstanceSpec)) (*lab.Lab, *Router, *Router) {
	t.Helper()
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: n, Family: family})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Teardown(); err != nil {
			t.Error(err)
		}
	})
	specs := func(role lab.Role, prio uint8) []InstanceSpec {
		var out []InstanceSpec
		for _, in := range l.Instances {
			ifc := l.Interfaces[in.Interface]
			primary := ifc.Subject.Addr()
			if role == lab.RolePeer {
				primary = ifc.Peer.Addr()
			}
			if family == 6 {
				primary = ifc.SubjectLL.Addr()
				if role == lab.RolePeer {
					primary = ifc.PeerLL.Addr()
				}
			}
			s := InstanceSpec{
				Config: Config{VRID: in.VRID, Priority: prio, Version: version, AdvertisementInterval: interval,
					Preempt: true, Primary: primary, Addrs: []netip.Addr{lab.VIP(family, in.Index, 0, 1)}},
				Interface: ifc.Index,
			}
			for _, e := range edit {
				e(role, &s)
			}
			out = append(out, s)
		}
		return out
	}
	ctx, cancel := context.WithCancel(context.Background())
	start := func(name string, side *lab.Side, prio uint8, track bool) *Router {
		r, err := NewRouter(RouterConfig{Name: name, NS: side.NS, Instances: specs(side.Role, prio), Track: track})
		if err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { errc <- r.Run(ctx) }()
		t.Cleanup(func() {
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("%s: %v", name, err)
			}
		})
		return r
	}
	return l, start("subject", l.Subject, 200, true), start("peer", l.Peer, 100, false)
}

// within waits for every instance of r to reach s within d.
func within(t testing.TB, r *Router, s State, d time.Duration) time.Duration {
	t.Helper()
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := r.WaitAll(ctx, s); err != nil {
		t.Fatal(err)
	}
	return time.Since(t0)
}

func TestRouters255FailoverAndPreempt(t *testing.T) {
	for _, tc := range []struct{ version, family int }{{3, 4}, {2, 4}, {3, 6}} {
		version, family := tc.version, tc.family
		t.Run(fmt.Sprintf("VRRPv%d-IPv%d", version, family), func(t *testing.T) {
			interval := 100 * time.Millisecond
			if version == 2 {
				interval = time.Second // v2 counts whole seconds
			}
			l, subject, peer := twoRoutersFamily(t, 255, version, family, interval)
			// Scheduling slack on a shared 2-core machine: generous, and
			// only a deadline, never a sleep.
			slack := 2 * time.Second
			mdi := func(prio int) time.Duration {
				return 3*interval + time.Duration(256-prio)*interval/256
			}
			within(t, subject, Master, mdi(200)+slack)
			within(t, peer, Backup, mdi(200)+slack)

			ifc := l.Interfaces[0]
			if err := lab.SetLink(l.Subject.Conn, ifc.Index, false); err != nil {
				t.Fatal(err)
			}
			subject.Notify(LinkEvent{Link: true, Index: ifc.Index, Up: false})
			within(t, subject, Fault, slack)
			took := within(t, peer, Master, mdi(100)+slack)
			t.Logf("peer took over all 255 in %v (Master_Down_Interval %v)", took, mdi(100))

			if err := lab.SetLink(l.Subject.Conn, ifc.Index, true); err != nil {
				t.Fatal(err)
			}
			subject.Notify(LinkEvent{Link: true, Index: ifc.Index, Up: true})
			took = within(t, subject, Master, mdi(200)+slack)
			t.Cleanup(func() {
				if t.Failed() {
					t.Logf("subject %+v\npeer %+v", subject.Counters(), peer.Counters())
				}
			})
			within(t, peer, Backup, slack)
			t.Logf("subject preempted all 255 back in %v", took)

			c := subject.Counters()
			if c.AdvertsSent == 0 || peer.Counters().AdvertsReceived == 0 {
				t.Fatalf("no adverts crossed the wire: subject %+v, peer %+v", c, peer.Counters())
			}
			from := ifc.Subject.Addr()
			if family == 6 {
				from = ifc.SubjectLL.Addr()
			}
			for i, h := range peer.Heard() {
				if h.Priority != 200 || h.From != from {
					t.Fatalf("peer instance %d last heard %+v, want priority 200 from %s", i, h, from)
				}
			}
		})
	}
}

// TestAddrListMismatchNoDualMaster: RFC 5798 §7.1 makes the address-list
// check optional. A backup whose list differs from the master's must still
// hear the master (and log the mismatch), or both become master.
func TestAddrListMismatchNoDualMaster(t *testing.T) {
	interval := 100 * time.Millisecond
	extra := func(role lab.Role, s *InstanceSpec) {
		if role == lab.RolePeer {
			s.Config.Addrs = append(s.Config.Addrs, netip.MustParseAddr("198.19.255.1"))
		}
	}
	_, subject, peer := twoRoutersFamily(t, 4, 3, 4, interval, extra)
	within(t, subject, Master, 5*time.Second)
	within(t, peer, Backup, 5*time.Second)
	// Four Master_Down_Intervals more: a peer that ignored the master's
	// adverts would have become MASTER by then. The peer's own clock is
	// the deadline; it must stay BACKUP throughout.
	ctx, cancel := context.WithTimeout(context.Background(), 4*(3*interval+interval))
	defer cancel()
	err := peer.Wait(ctx, func(states []State, _ []Heard) bool {
		for _, s := range states {
			if s == Master {
				return true
			}
		}
		return false
	})
	if err == nil {
		t.Fatalf("peer became MASTER beside the subject (dual master): %v", peer.States())
	}
	c := peer.Counters()
	if c.AddrListMismatch == 0 || c.Discarded[ReasonAddrList.String()] != 0 {
		t.Fatalf("peer counters %+v: want the mismatches counted, none discarded", c)
	}
}
