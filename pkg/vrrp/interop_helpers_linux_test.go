package vrrp

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/lab"
)

// interop is one case of an interop test: another VRRP daemon on the
// subject side of a lab, our engine on the peer side, one instance per
// VRID with one virtual address on each side.
type interop struct {
	version, family    int
	interval           time.Duration
	theyWin            bool
	theirPrio, ourPrio uint8
	lab                *lab.Lab
	ifc                lab.Interface
	ours               netip.Addr   // our adverts' source
	vips               []netip.Addr // per instance
}

// eachInterop runs fn, in a subtest of its own, for VRRPv2 (1 s adverts)
// and VRRPv3 (100 ms) over IPv4 and VRRPv3 over IPv6, with the other
// daemon (who) winning (priority 200 against our 100) and losing, each in
// a fresh lab of n instances on one interface shaped by spec's VMAC
// fields.
func eachInterop(t *testing.T, who string, n int, spec lab.Spec, fn func(t *testing.T, c *interop)) {
	for _, tc := range []struct{ version, family int }{{2, 4}, {3, 4}, {3, 6}} {
		for _, theyWin := range []bool{true, false} {
			t.Run(fmt.Sprintf("VRRPv%d-IPv%d/%s-wins=%v", tc.version, tc.family, who, theyWin), func(t *testing.T) {
				c := &interop{version: tc.version, family: tc.family, interval: 100 * time.Millisecond, theyWin: theyWin, theirPrio: 100, ourPrio: 200}
				if c.version == 2 {
					c.interval = time.Second
				}
				if theyWin {
					c.theirPrio, c.ourPrio = 200, 100
				}
				spec := spec
				spec.Instances, spec.Family = n, tc.family
				l, err := lab.Build(context.Background(), spec)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Teardown() })
				c.lab, c.ifc = l, l.Interfaces[0]
				c.ours = c.ifc.Peer.Addr()
				if c.family == 6 {
					c.ours = c.ifc.PeerLL.Addr()
				}
				for _, in := range l.Instances {
					c.vips = append(c.vips, lab.VIP(c.family, in.Index, 0, 1))
				}
				fn(t, c)
			})
		}
	}
}

// runOurs starts our engine in the peer namespace, the same VRIDs and
// addresses at our priority, preempting; it stops with the test.
func (c *interop) runOurs(t *testing.T) *Router {
	t.Helper()
	var specs []InstanceSpec
	for i, in := range c.lab.Instances {
		specs = append(specs, InstanceSpec{Interface: c.ifc.Index, Config: Config{VRID: in.VRID, Priority: c.ourPrio,
			Version: c.version, AdvertisementInterval: c.interval, Preempt: true, Primary: c.ours, Addrs: []netip.Addr{c.vips[i]}}})
	}
	r, err := NewRouter(RouterConfig{Name: "peer", NS: c.lab.Peer.NS, Instances: specs})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// mdi is the Master_Down_Interval of the case at prio (RFC 5798 §6.1;
// RFC 3768's whole-second skew for VRRPv2).
func (c *interop) mdi(prio uint8) time.Duration {
	return MasterDownInterval(c.version, prio, c.interval)
}

// agreeWith is the engine's half of the case against the other daemon
// (who): it waits until every one of the engine's instances is Backup,
// having heard the daemon at its priority, when the daemon wins, or Master
// when the engine does; checks that what it heard came from the daemon's
// address (IPv4: the subject's interface address; IPv6: a link-local
// address of the daemon's choosing, RFC 5798 §5.1.2.1); and that it
// discarded none of the daemon's adverts.
func (c *interop) agreeWith(ctx context.Context, t *testing.T, r *Router, who string) {
	t.Helper()
	want := Master
	if c.theyWin {
		want = Backup
	}
	err := r.Wait(ctx, func(states []State, heard []Heard) bool {
		for i := range states {
			if states[i] != want || (c.theyWin && heard[i].Priority != c.theirPrio) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.theyWin {
		for i, h := range r.Heard() {
			fromThem := h.From == c.ifc.Subject.Addr() || (c.family == 6 && h.From.IsLinkLocalUnicast() && h.From != c.ours)
			if h.Priority != c.theirPrio || !fromThem {
				t.Fatalf("instance %d heard %+v, want %s's priority %d from its address", i, h, who, c.theirPrio)
			}
		}
	}
	if d := r.Counters().Discarded; len(d) > 0 {
		t.Fatalf("our engine discarded %s's adverts: %v", who, d)
	}
}
