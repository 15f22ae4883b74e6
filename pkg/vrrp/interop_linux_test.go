package vrrp

import (
	"context"
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
	eachInterop(t, "keepalived", 8, lab.Spec{}, func(t *testing.T, c *interop) {
		var kaInst []keepalived.Instance
		var names []string
		for i, in := range c.lab.Instances {
			kaInst = append(kaInst, keepalived.Instance{Name: keepalived.InstanceName(in.Index), Interface: c.ifc.Name,
				VRID: in.VRID, Priority: c.theirPrio, Version: c.version, Interval: c.interval, VIPs: c.vips[i : i+1]})
			names = append(names, keepalived.InstanceName(in.Index))
		}
		dir := t.TempDir()
		ka, err := keepalived.Start(c.lab.Subject.NS, keepalived.Options{Dir: dir, Global: keepalived.Global{RouterID: "nls-interop"}, Instances: kaInst})
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
		r := c.runOurs(t)

		limit := 3*(3*c.interval+c.interval) + 5*time.Second
		wctx, wcancel := context.WithTimeout(context.Background(), limit)
		defer wcancel()
		kaState := "BACKUP"
		if c.theyWin {
			kaState = "MASTER"
		}
		if err := ka.WaitAll(wctx, names, kaState); err != nil {
			t.Fatal(err)
		}
		// Ours is BACKUP from startup: it also waits until every
		// instance has heard keepalived's advertisement.
		c.agreeWith(wctx, t, r, "keepalived")
		if c.theyWin {
			return
		}
		// keepalived starts BACKUP whatever it hears, so its BACKUP
		// proves nothing until its own Master_Down_Interval has run out
		// with our adverts arriving: one that rejected them would then
		// turn MASTER. Watch every instance for twice that long.
		window := time.NewTimer(2*c.mdi(c.theirPrio) + time.Second)
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
	})
}
