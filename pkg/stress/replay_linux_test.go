package stress

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/standin"
)

// TestReplayKeepalivedConf replays a user's configuration (two interfaces,
// one with keepalived's own VMACs and virtual routes via a gateway the
// lab must place, one with a unicast instance; vrrp_strict and nopreempt
// to rewrite; a vrrp_script and notify scripts that run as stand-ins) on
// the real keepalived: its lab carries the configuration's interface
// names, every instance recovers (the check's stand-in succeeds), the
// stand-ins ran, and the result lists what was rewritten.
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
	if rp == nil || len(rp.Changes) != 6 || !strings.Contains(strings.Join(rp.Changes, "\n"), "edge.conf:44: nopreempt removed") {
		t.Fatalf("replay %+v: want the 6 kinds of rewrite listed", rp)
	}
	// 8 notify_master and a vrrp_script (every 2 s) ran as stand-ins:
	// each instance became MASTER at start and again after the flap.
	s := res.Scripts
	if s == nil || s.Statements["notify_master"] != 8 || s.Statements["check"] != 1 || s.Ran["notify_master"] < 16 || s.Ran["check"] == 0 {
		t.Fatalf("scripts %+v: want 8 notify_master statements run at least 16 times, and the check run", s)
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

// A vrrp_script's stand-in decides as the user's check would: exiting 1,
// the instances that track it go FAULT and never come up, while the one
// that tracks nothing does.
func TestReplayCheckThatFails(t *testing.T) {
	roottest.RequireKeepalived(t)
	sc := scenario.Default()
	sc.Target, sc.KeepalivedConf = scenario.TargetKeepalived, filepath.Join("..", "replay", "testdata", "edge.conf")
	sc.RcvBuf, sc.ScriptExit = 4*bytesize.MiB, 1
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc)
	if !errors.Is(err, ErrNotConverged) {
		t.Fatalf("err %v: want the tracking instances never MASTER", err)
	}
	if res.Lab.RunID == "" {
		t.Fatal("no lab: the failure must come from keepalived, not from the scenario")
	}
}

// The engine with --notify-scripts starts the same stand-in once per state
// change of each instance: INIT to BACKUP to MASTER at start, and MASTER
// to FAULT, BACKUP and MASTER again in a flap; the stand-ins count
// themselves, and the result says so.
func TestEngineNotifyScriptsRunAsStandins(t *testing.T) {
	roottest.Require(t)
	sc := small(4*bytesize.MiB, scenario.PolicyNone)
	sc.NotifyScripts, sc.ScriptCost = true, time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, _, err := Open(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.Flap(ctx)
	if err != nil {
		s.Close(ctx, err)
		t.Fatal(err)
	}
	want := uint64(5 * sc.VRIDs)
	ran := waitNotifies(t, s.r.daemon.(*engineTarget).standins, want)
	res, err := s.Close(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Stuck) != 0 || ran != want {
		t.Fatalf("%d stuck, the stand-ins ran %d times: want none stuck and %d (5 per instance)", len(f.Stuck), ran, want)
	}
	checkNotifyResult(t, res.Scripts, ran)
}

// waitNotifies waits, up to 10 s, until the notify stand-ins of set ran
// want times (they run after the daemon forks them), and returns how
// many times they ran.
func waitNotifies(t *testing.T, set *standin.Set, want uint64) uint64 {
	t.Helper()
	var ran uint64
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		c, err := set.Counts()
		if err != nil {
			t.Fatal(err)
		}
		if ran = c["notify"]; ran >= want {
			break
		}
	}
	return ran
}

// checkNotifyResult checks a result's scripts of a small() lab with
// --notify-scripts and a 1ms script cost: 64 notify statements, at least
// ran runs.
func checkNotifyResult(t *testing.T, sr *result.Scripts, ran uint64) {
	t.Helper()
	if sr == nil || sr.Statements["notify"] != 64 || sr.Ran["notify"] < ran || sr.Cost != time.Millisecond ||
		sr.Summary != "64 notify scripts run as stand-ins costing 1ms" {
		t.Fatalf("result scripts %+v", sr)
	}
}

// A generated keepalived with --notify-scripts runs its stand-in once per
// state change of each instance, as keepalived's notify contract says:
// the stand-ins count themselves as often as the notify FIFO reports a
// change, and the result says so.
func TestNotifyScriptsRunAsStandins(t *testing.T) {
	roottest.RequireKeepalived(t)
	sc := small(4*bytesize.MiB, scenario.PolicyNone)
	sc.Target, sc.NotifyScripts, sc.ScriptCost = scenario.TargetKeepalived, true, time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, _, err := Open(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Flap(ctx); err != nil {
		s.Close(ctx, err)
		t.Fatal(err)
	}
	k := s.r.daemon.(*keepalivedTarget)
	notified := uint64(k.p.Notified())
	ran := waitNotifies(t, k.standins, notified)
	res, err := s.Close(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Each of 64 instances: BACKUP and MASTER at start, FAULT, BACKUP and
	// MASTER in the flap (keepalived reports BACKUP on leaving FAULT).
	if ran != notified || notified < 64*4 {
		t.Fatalf("the stand-ins ran %d times, the FIFO reported %d changes: want as many, at least 4 per instance", ran, notified)
	}
	checkNotifyResult(t, res.Scripts, ran)
	if !strings.HasPrefix(res.Daemon, "Keepalived v") {
		t.Fatalf("result daemon %q: want keepalived's --version line", res.Daemon)
	}
}
