package vrrp

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/frr"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// TestInteropFRR runs FRR's vrrpd (with zebra) in the subject namespace
// and our engine in the peer namespace, for VRRPv2 and VRRPv3 over IPv4
// and VRRPv3 over IPv6, and checks that the side with the higher priority
// wins every instance and that both agree: vrrpd's state is read from its
// "show vrrp json".
func TestInteropFRR(t *testing.T) {
	roottest.RequireFRR(t)
	const n = 8
	for _, tc := range []struct{ version, family int }{{2, 4}, {3, 4}, {3, 6}} {
		version, family := tc.version, tc.family
		for _, frrWins := range []bool{true, false} {
			t.Run(fmt.Sprintf("VRRPv%d-IPv%d/frr-wins=%v", version, family, frrWins), func(t *testing.T) {
				interval := 100 * time.Millisecond
				if version == 2 {
					interval = time.Second
				}
				frrPrio, ourPrio := uint8(100), uint8(200)
				if frrWins {
					frrPrio, ourPrio = 200, 100
				}
				l, err := lab.Build(context.Background(), lab.Spec{Instances: n, Family: family, VMAC: true, VMACMode: lab.MacvlanBridge, VMACRandomLinkLocal: true, VMACVIPs: 1})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Teardown() })
				ifc := l.Interfaces[0]
				ours6 := ifc.Peer.Addr()
				if family == 6 {
					ours6 = ifc.PeerLL.Addr()
				}
				var frrInst []frr.Instance
				var ours []InstanceSpec
				for _, in := range l.Instances {
					vip := lab.VIP(family, in.Index, 0, 1) // on its macvlan (VMACVIPs)
					frrInst = append(frrInst, frr.Instance{Interface: ifc.Name, VRID: in.VRID, Priority: frrPrio, Version: version, Interval: interval, VIPs: []netip.Addr{vip}})
					ours = append(ours, InstanceSpec{Interface: ifc.Index, Config: Config{VRID: in.VRID, Priority: ourPrio,
						Version: version, AdvertisementInterval: interval, Preempt: true, Primary: ours6, Addrs: []netip.Addr{vip}}})
				}
				dir := t.TempDir()
				if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
					t.Fatal(err)
				}
				p, err := frr.Start(l.Subject.NS, frr.Options{Dir: dir, Hostname: "nls-interop", Config: frr.Config{Hostname: "nls-interop", Instances: frrInst}})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					p.Stop(daemon.StopGrace)
					if t.Failed() {
						t.Logf("vrrpd log:\n%s", p.Log("vrrpd"))
					}
				})
				r, err := NewRouter(RouterConfig{Name: "peer", NS: l.Peer.NS, Instances: ours})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- r.Run(ctx) }()
				t.Cleanup(func() { cancel(); <-done })

				mdi := func(prio uint8) time.Duration {
					skew := time.Duration(256-int(prio)) * interval / 256
					if version == 2 {
						skew = time.Duration(256-int(prio)) * time.Second / 256
					}
					return 3*interval + skew
				}
				wctx, wcancel := context.WithTimeout(context.Background(), 3*mdi(100)+5*time.Second)
				defer wcancel()
				frrState := frr.StateBackup
				if frrWins {
					frrState = frr.StateMaster
				}
				// vrrpd starts in Backup whatever it hears: its Backup
				// proves nothing until its own Master_Down_Interval has run
				// out with our adverts arriving, so when ours should win,
				// vrrpd must stay Backup twice that long.
				var quietUntil time.Time
				if !frrWins {
					quietUntil = time.Now().Add(2*mdi(frrPrio) + time.Second)
				}
				for {
					rs, err := p.Show(wctx)
					if err != nil {
						t.Fatal(err)
					}
					all := len(rs) == n
					for _, rt := range rs {
						h := rt.Of(family)
						all = all && h.Status == frrState
						if !frrWins && h.Stats.Transitions > 1 {
							t.Fatalf("vrrpd's VRID %d made %d transitions (%s now) while ours was MASTER at a higher priority: it did not accept our adverts", rt.VRID, h.Stats.Transitions, h.Status)
						}
					}
					if all && !time.Now().Before(quietUntil) {
						break
					}
					select {
					case <-wctx.Done():
						t.Fatalf("vrrpd not all %s: %+v", frrState, rs)
					case <-time.After(20 * time.Millisecond):
					}
				}
				agreeWith(wctx, t, r, "vrrpd", frrWins, frrPrio, ifc, family, ours6)
			})
		}
	}
}
