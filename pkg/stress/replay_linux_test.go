package stress

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// TestReplayKeepalivedConf replays a user's configuration (two interfaces,
// one with keepalived's own VMACs and virtual routes via a gateway the
// lab must place, one with a unicast instance; scripts, vrrp_strict and
// nopreempt to rewrite) on the real keepalived: its lab carries the
// configuration's interface names, every instance recovers, and the
// result lists what was rewritten.
func TestReplayKeepalivedConf(t *testing.T) {
	roottest.RequireKeepalived(t)
	sc := scenario.Default()
	sc.Target, sc.KeepalivedConf = scenario.TargetKeepalived, filepath.Join("..", "replay", "testdata", "edge.conf")
	sc.RcvBuf = 4 * bytesize.MiB
	res, err := run(t, sc)
	if err != nil {
		t.Fatalf("run: %v (%s)", err, res.Verdict.Line)
	}
	if strings.Join(res.Lab.Interfaces, ",") != "eth2,bond0.100" || res.Lab.Instances != 9 || res.Scenario.VRIDs != 9 || !res.Scenario.VMAC {
		t.Fatalf("lab %+v scenario vrids %d vmac %v: want the configuration's 9 instances on eth2 and bond0.100", res.Lab, res.Scenario.VRIDs, res.Scenario.VMAC)
	}
	if f := res.Flaps[0]; f.Recovery.Count != 9 || len(f.Stuck) != 0 || f.Advertising != 9 {
		t.Fatalf("flap %+v: want 9 recovered and heard on the wire", f)
	}
	rp := res.Replay
	if rp == nil || len(rp.Changes) != 7 || !strings.Contains(strings.Join(rp.Changes, "\n"), "edge.conf:44: nopreempt removed") {
		t.Fatalf("replay %+v: want the 7 kinds of rewrite listed", rp)
	}
	// The routes' gateway and the unicast pair were placed in the lab.
	if a := strings.Join(rp.Addresses, "\n"); !strings.Contains(a, "eth2: 192.168.7.2/24, peer 192.168.7.1/24") || !strings.Contains(a, "bond0.100: 172.16.5.2/24, peer 172.16.5.3/24") {
		t.Fatalf("addresses:\n%s", a)
	}
	// The route groups are watched: the configuration has virtual routes.
	if !strings.Contains(strings.Join(res.Monitor.Groups, ","), "ipv4-route") {
		t.Fatalf("groups %v", res.Monitor.Groups)
	}
}

// TestReplayRefusedBeforeAnyLab: a configuration keepalived would reject
// is an error naming file:line, and nothing is built.
func TestReplayRefusedBeforeAnyLab(t *testing.T) {
	roottest.Require(t)
	p := filepath.Join(t.TempDir(), "bad.conf")
	if err := os.WriteFile(p, []byte("vrrp_instance A {\n interface eth2\n virtual_router_id 300\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sc := scenario.Default()
	sc.Target, sc.KeepalivedConf = scenario.TargetKeepalived, p
	res, err := Run(context.Background(), sc)
	if !errors.Is(err, kaconf.ErrConfig) || !strings.Contains(err.Error(), "bad.conf:3:") || res.Lab.RunID != "" {
		t.Fatalf("err %v, lab %q: want kaconf.ErrConfig at bad.conf:3 and no lab", err, res.Lab.RunID)
	}
}
