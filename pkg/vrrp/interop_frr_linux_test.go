package vrrp

import (
	"context"
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
	// vrrpd's macvlans, each with its instance's address (FRR's
	// doc/user/vrrp.rst).
	spec := lab.Spec{VMAC: true, VMACMode: lab.MacvlanBridge, VMACRandomLinkLocal: true, VMACVIPs: 1}
	eachInterop(t, "frr", n, spec, func(t *testing.T, c *interop) {
		var frrInst []frr.Instance
		for i, in := range c.lab.Instances {
			frrInst = append(frrInst, frr.Instance{Interface: c.ifc.Name, VRID: in.VRID, Priority: c.theirPrio, Version: c.version, Interval: c.interval, VIPs: c.vips[i : i+1]})
		}
		dir := t.TempDir()
		if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
			t.Fatal(err)
		}
		p, err := frr.Start(c.lab.Subject.NS, frr.Options{Dir: dir, Hostname: "nls-interop", Config: frr.Config{Hostname: "nls-interop", Instances: frrInst}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			p.Stop(daemon.StopGrace)
			if t.Failed() {
				t.Logf("vrrpd log:\n%s", p.Log("vrrpd"))
			}
		})
		r := c.runOurs(t)

		wctx, wcancel := context.WithTimeout(context.Background(), 3*c.mdi(100)+5*time.Second)
		defer wcancel()
		frrState := frr.StateBackup
		if c.theyWin {
			frrState = frr.StateMaster
		}
		// vrrpd starts in Backup whatever it hears: its Backup proves
		// nothing until its own Master_Down_Interval has run out with
		// our adverts arriving, so when ours should win, vrrpd must stay
		// Backup twice that long.
		var quietUntil time.Time
		if !c.theyWin {
			quietUntil = time.Now().Add(2*c.mdi(c.theirPrio) + time.Second)
		}
		for {
			rs, err := p.Show(wctx)
			if err != nil {
				t.Fatal(err)
			}
			all := len(rs) == n
			for _, rt := range rs {
				h := rt.Of(c.family)
				all = all && h.Status == frrState
				if !c.theyWin && h.Stats.Transitions > 1 {
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
		c.agreeWith(wctx, t, r, "vrrpd")
	})
}
