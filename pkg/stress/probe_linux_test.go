package stress

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// ipMonitor is a consumer that speaks no VRRP and does not resync: "ip
// monitor link" at the buffer nlstress gives, and its probe, from
// scripts/ip-monitor-target.sh.
func ipMonitor(t *testing.T) (daemon, probe string) {
	script, err := filepath.Abs("../../scripts/ip-monitor-target.sh")
	if err != nil {
		t.Fatal(err)
	}
	return script + " daemon", script + " probe"
}

func probeScenario(t *testing.T, n int, rcvbuf bytesize.Size, flaps int) scenario.Scenario {
	sc := scenario.Default()
	sc.Target = scenario.TargetExec
	sc.TargetCmd, sc.Probe = ipMonitor(t)
	sc.VRIDs, sc.Version, sc.AdvertInterval, sc.RcvBuf, sc.Flaps = n, 2, time.Second, rcvbuf, flaps
	return sc
}

// Any netlink consumer can be put under test through a probe: ip monitor
// with a buffer far above its storm follows two flaps, every link down
// and up again in what it believes.
func TestProbeFollowsAConsumer(t *testing.T) {
	roottest.Require(t)
	sc := probeScenario(t, 16, 4*bytesize.MiB, 2)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc)
	checkRun(t, sc, res, err)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, f := range res.Flaps {
		if f.Recovery.Count != sc.VRIDs || len(f.Stuck) != 0 || f.NotFault != 0 {
			t.Fatalf("flap %d: %d of %d recovered, %d not down, stuck %v", f.Index, f.Recovery.Count, sc.VRIDs, f.NotFault, f.Stuck)
		}
	}
	t.Logf("%s", res.Verdict.Line)
}

// ip monitor does not resync: paused through a 64-link down storm with a
// buffer that holds a message or two (runPaused: the loss is certain), it
// never learns that most links went down, and what it believes is wrong
// afterwards: links it never saw go down, or never saw come back.
func TestProbeSeesAWrongView(t *testing.T) {
	roottest.Require(t)
	sc := probeScenario(t, 64, 2*bytesize.KiB, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := runPaused(t, ctx, sc)
	checkRun(t, sc, res, err)
	f := res.Flaps[0]
	if !errors.Is(err, result.ErrFinding) || f.Down.Drops+f.Up.Drops == 0 || f.NotFault+len(f.Stuck) == 0 || strings.Contains(res.Verdict.Line, "recovered the link state") {
		t.Fatalf("err %v, drops %d + %d, never down %d, stuck %d: want lost messages and a wrong view", err, f.Down.Drops, f.Up.Drops, f.NotFault, len(f.Stuck))
	}
	t.Logf("%s; never down in its view %d, stuck %d", res.Verdict.Line, f.NotFault, len(f.Stuck))
}

// A Go consumer built on vishvananda/netlink's LinkSubscribe
// (scripts/linksubscribe) loses its subscription at its first overrun: the
// library's reader ends at ENOBUFS, and the program's view stays what it
// was. Paused through a 64-link down storm with a buffer that holds a
// message or two (runPaused), it loses most of it, and its view is wrong
// for good: links never seen going down, or never seen coming back.
func TestProbeLinkSubscribeStopsAtOverrun(t *testing.T) {
	roottest.Require(t)
	script, err := filepath.Abs("../../scripts/linksubscribe-target.sh")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "linksubscribe")
	t.Setenv("NLS_LINKSUBSCRIBE", bin)
	if out, err := exec.Command(script, "build").CombinedOutput(); err != nil {
		t.Fatalf("build the consumer: %v: %s", err, out)
	}
	sc := probeScenario(t, 64, 2*bytesize.KiB, 1)
	sc.TargetCmd, sc.Probe = script+" daemon", script+" probe"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := runPaused(t, ctx, sc)
	checkRun(t, sc, res, err)
	f := res.Flaps[0]
	if !errors.Is(err, result.ErrFinding) || f.Down.Drops+f.Up.Drops == 0 || f.NotFault+len(f.Stuck) == 0 {
		t.Fatalf("err %v, drops %d + %d, never down %d, stuck %d: want lost messages and a wrong view", err, f.Down.Drops, f.Up.Drops, f.NotFault, len(f.Stuck))
	}
	t.Logf("%s; never down in its view %d, stuck %d", res.Verdict.Line, f.NotFault, len(f.Stuck))
}

// BIRD through the generic path (scripts/bird-exec-target.sh: started and
// asked by a script, judged by its probe) gives what --target bird gives
// (TestBIRDResyncsAfterLoss): paused through the down storm at a buffer
// that holds a message or two (runPaused) it loses, and every link is
// right again in its view by its next scan.
func TestProbeBIRDResyncsLikeItsTarget(t *testing.T) {
	roottest.RequireBIRD(t)
	script, err := filepath.Abs("../../scripts/bird-exec-target.sh")
	if err != nil {
		t.Fatal(err)
	}
	sc := probeScenario(t, 64, 2*bytesize.KiB, 1)
	sc.TargetCmd, sc.Probe = script+" daemon", script+" probe"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := runPaused(t, ctx, sc)
	checkRun(t, sc, res, err)
	lost := uint64(0)
	for _, f := range res.Flaps {
		lost += f.Down.Drops + f.Up.Drops
		if len(f.Stuck) != 0 || f.NotFault != 0 {
			t.Fatalf("flap %d: %d links stuck, %d never down in BIRD's view: it should have rescanned", f.Index, len(f.Stuck), f.NotFault)
		}
	}
	if lost == 0 {
		t.Fatalf("paused through it, a 4 KiB buffer lost nothing of a 64-macvlan storm: %s", res.Verdict.Line)
	}
	t.Logf("%s; lost %d; recovery max %v", res.Verdict.Line, lost, res.Flaps[0].Recovery.Max)
}
