package stress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// birdScenario is BIRD following n macvlans on eth2, flapped twice.
func birdScenario(n int, rcvbuf bytesize.Size) scenario.Scenario {
	sc := scenario.Default()
	sc.Target, sc.VRIDs, sc.VMAC, sc.Version, sc.AdvertInterval = scenario.TargetBIRD, n, true, 2, time.Second
	sc.RcvBuf, sc.Flaps = rcvbuf, 2
	return sc
}

// BIRD with a buffer far above its storm follows every flap: each
// macvlan down in its view, then up, nothing lost, and its socket is the
// one sock_diag shows joined to links, addresses and routes.
func TestBIRDFollowsAFlap(t *testing.T) {
	roottest.RequireBIRD(t)
	sc := birdScenario(16, 4*bytesize.MiB)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := Run(ctx, sc)
	checkRun(t, sc, res, err)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.HasPrefix(res.Daemon, "BIRD version 2.") || res.Monitor.Owner != "BIRD's" || res.Monitor.Effective != 8*int64(bytesize.MiB) {
		t.Fatalf("daemon %q, monitor %+v: want BIRD 2's socket at 8 MiB", res.Daemon, res.Monitor)
	}
	for _, f := range res.Flaps {
		if f.Down.Drops+f.Up.Drops != 0 || len(f.Stuck) != 0 || f.Recovery.Count != sc.VRIDs {
			t.Fatalf("flap %d: drops %d+%d, stuck %v, recovered %d of %d", f.Index, f.Down.Drops, f.Up.Drops, f.Stuck, f.Recovery.Count, sc.VRIDs)
		}
	}
	t.Logf("%s; recovery p95 %v", res.Verdict.Line, res.Flaps[1].Recovery.P95)
}

// BIRD with a buffer that cannot hold its storm, paused through the
// link-down storm so that the loss is certain (runPaused), loses messages
// and, unlike keepalived and zebra, resyncs at its next scan: every link
// down in its view within a scan, none left stuck after the ups.
func TestBIRDResyncsAfterLoss(t *testing.T) {
	roottest.RequireBIRD(t)
	sc := birdScenario(64, 2*bytesize.KiB)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	res, err := runPaused(t, ctx, sc)
	checkRun(t, sc, res, err)
	lost := uint64(0)
	for _, f := range res.Flaps {
		lost += f.Down.Drops + f.Up.Drops
		if f.Down.Drops+f.Up.Drops > 0 && len(f.Overruns) == 0 {
			t.Errorf("flap %d: %d messages dropped and BIRD logged nothing about it", f.Index, f.Down.Drops+f.Up.Drops)
		}
		if len(f.Stuck) != 0 || f.NotFault != 0 {
			t.Fatalf("flap %d: %d links stuck, %d never down in BIRD's view: it should have rescanned", f.Index, len(f.Stuck), f.NotFault)
		}
	}
	if lost == 0 {
		t.Fatalf("paused through it, a 4 KiB buffer lost nothing of a 64-macvlan storm: %s", res.Verdict.Line)
	}
	t.Logf("%s; lost %d; recovery max %v, %v; BIRD said %q", res.Verdict.Line, lost, res.Flaps[0].Recovery.Max, res.Flaps[1].Recovery.Max, res.Flaps[0].Overruns)
}
