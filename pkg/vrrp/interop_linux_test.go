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
	"github.com/nlstress/nlstress/pkg/keepalived"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// TestInteropKeepalived runs a real keepalived in the subject namespace
// and our engine in the peer namespace, for VRRPv2 and VRRPv3 over IPv4
// and VRRPv3 over IPv6,
// and checks that the side with the higher priority wins every instance
// and that both agree: keepalived's state is read from its notify FIFO.
func TestInteropKeepalived(t *testing.T) {
	roottest.RequireKeepalived(t)
	const n = 8
	for _, tc := range []struct{ version, family int }{{2, 4}, {3, 4}, {3, 6}} {
		version, family := tc.version, tc.family
		for _, kaWins := range []bool{true, false} {
			name := fmt.Sprintf("VRRPv%d-IPv%d/keepalived-wins=%v", version, family, kaWins)
			t.Run(name, func(t *testing.T) {
				interval := 100 * time.Millisecond
				if version == 2 {
					interval = time.Second
				}
				kaPrio, ourPrio := uint8(100), uint8(200)
				if kaWins {
					kaPrio, ourPrio = 200, 100
				}
				l, err := lab.Build(context.Background(), lab.Spec{Instances: n, Family: family})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { l.Teardown() })
				ifc := l.Interfaces[0]
				var kaInst []keepalived.Instance
				var ours []InstanceSpec
				var names []string
				ours6 := ifc.Peer.Addr()
				if family == 6 {
					ours6 = ifc.PeerLL.Addr()
				}
				for _, in := range l.Instances {
					vip := lab.VIP(family, in.Index, 0, 1)
					kaInst = append(kaInst, keepalived.Instance{Name: keepalived.InstanceName(in.Index), Interface: ifc.Name,
						VRID: in.VRID, Priority: kaPrio, Version: version, Interval: interval, VIPs: []netip.Addr{vip}})
					names = append(names, keepalived.InstanceName(in.Index))
					ours = append(ours, InstanceSpec{Interface: ifc.Index, Config: Config{VRID: in.VRID, Priority: ourPrio,
						Version: version, AdvertisementInterval: interval, Preempt: true, Primary: ours6, Addrs: []netip.Addr{vip}}})
				}
				dir := t.TempDir()
				ka, err := keepalived.Start(l.Subject.NS, keepalived.Options{Dir: dir, Global: keepalived.Global{RouterID: "nls-interop"}, Instances: kaInst})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					ka.Stop(daemon.StopGrace)
					if t.Failed() {
						b, _ := os.ReadFile(filepath.Join(dir, "keepalived.log"))
						t.Logf("keepalived log:\n%s", b)
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

				limit := 3*(3*interval+interval) + 5*time.Second
				wctx, wcancel := context.WithTimeout(context.Background(), limit)
				defer wcancel()
				kaState := "BACKUP"
				if kaWins {
					kaState = "MASTER"
				}
				if err := ka.WaitAll(wctx, names, kaState); err != nil {
					t.Fatal(err)
				}
				// Ours is BACKUP from startup: it also waits until every
				// instance has heard keepalived's advertisement.
				agreeWith(wctx, t, r, "keepalived", kaWins, kaPrio, ifc, family, ours6)
				if !kaWins {
					// keepalived starts BACKUP whatever it hears, so its
					// BACKUP proves nothing until its own
					// Master_Down_Interval has run out with our adverts
					// arriving: one that rejected them would then turn
					// MASTER. Watch every instance for twice that long.
					mdi := 3*interval + time.Duration(256-int(kaPrio))*interval/256
					if version == 2 {
						mdi = 3*interval + time.Duration(256-int(kaPrio))*time.Second/256
					}
					window := time.NewTimer(2*mdi + time.Second)
					select {
					case <-window.C:
					case <-ka.Exited():
						t.Fatalf("keepalived exited: %v", ka.Err())
					}
					for _, n := range ka.History() {
						if n.State != "BACKUP" {
							t.Fatalf("keepalived's %s went %s while ours was MASTER at a higher priority: it did not accept our adverts", n.Instance, n.State)
						}
					}
					for i, st := range ka.States(names) {
						if st != "BACKUP" {
							t.Fatalf("keepalived's %s is %q, want BACKUP", names[i], st)
						}
					}
				}
			})
		}
	}
}
