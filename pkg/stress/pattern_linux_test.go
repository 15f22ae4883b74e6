package stress

import (
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/churn"
	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// A bounce of N cycles makes 2N changes of each flapped link, the oracle
// counts every one of them (IFF_UP on and off, read from the kernel's
// messages), the whole bounce is one window whose books balance, and the
// instances end MASTER, timed from the last up.
func TestBounceCountsEveryChange(t *testing.T) {
	sc := small(4*bytesize.MiB, scenario.PolicyNone)
	sc.VRIDs, sc.VMAC = 8, false
	const cycles = 4
	sc.FlapPattern = flap.Pattern{Kind: flap.Bounce, Cycles: cycles, Period: 200 * time.Millisecond}
	res, err := run(t, sc)
	if err != nil {
		t.Fatalf("verdict %s: %v", res.Verdict.Line, err)
	}
	f := res.Flaps[0]
	if !f.OneWindow || f.Changes != 2*cycles || f.Down.Storm.Messages != 0 {
		t.Fatalf("one window %v, %d changes, %d messages in the down window: want one window of %d changes", f.OneWindow, f.Changes, f.Down.Storm.Messages, 2*cycles)
	}
	if got := f.Up.Storm.AdminChanges; got != 2*cycles {
		t.Fatalf("the oracle saw %d admin changes of eth2, want %d", got, 2*cycles)
	}
	if want := f.DownAt.Add(sc.FlapPattern.LastUpAfter()); f.UpAt.Before(want) {
		t.Fatalf("last up at %v after the first down, want at least %v", f.UpAt.Sub(f.DownAt), sc.FlapPattern.LastUpAfter())
	}
	if f.Recovery.Count != sc.VRIDs || len(f.Stuck) != 0 {
		t.Fatalf("%d recovered, stuck %v: want all %d back", f.Recovery.Count, f.Stuck, sc.VRIDs)
	}
}

// Flapping one interface of two judges only its instances: the others
// stay MASTER throughout, and the counts and the verdict are about the
// flapped ones. A stagger of the flapped interfaces alone is then a
// single flap.
func TestFlapInterfacesJudgesOnlyTheirInstances(t *testing.T) {
	sc := small(4*bytesize.MiB, scenario.PolicyNone)
	sc.VRIDs, sc.VMAC, sc.Interfaces, sc.FlapInterfaces = 20, false, 2, "eth3"
	res, err := run(t, sc)
	if err != nil {
		t.Fatalf("verdict %s: %v", res.Verdict.Line, err)
	}
	if len(res.Lab.Flapped) != 1 || res.Lab.Flapped[0] != "eth3" || res.Lab.FlappedInstances != 10 || res.Totals.Instances != 10 {
		t.Fatalf("flapped %v (%d instances), totals over %d: want eth3 with its 10", res.Lab.Flapped, res.Lab.FlappedInstances, res.Totals.Instances)
	}
	f := res.Flaps[0]
	if f.NotFault != 0 || f.Recovery.Count != 10 || f.Advertising != 10 {
		t.Fatalf("not FAULT %d, recovered %d, advertising %d: want the 10 on eth3 down and back", f.NotFault, f.Recovery.Count, f.Advertising)
	}
	if f.Down.Storm.AdminChanges != 1 {
		t.Fatalf("%d admin changes in the down window, want eth3's one", f.Down.Storm.AdminChanges)
	}
}

// Address churn during a flap reaches the monitor (it joins the address
// groups), is counted apart from the flap's storm, and the books still
// balance; neighbour churn, on a group the monitor does not join, is made
// but never counted.
func TestChurnDuringAFlap(t *testing.T) {
	sc := small(4*bytesize.MiB, scenario.PolicyNone)
	sc.VRIDs, sc.AddrChurn, sc.NeighChurn = 16, 2000, 1000
	res, err := run(t, sc)
	if err != nil {
		t.Fatalf("verdict %s: %v", res.Verdict.Line, err)
	}
	f := res.Flaps[0]
	if len(f.Churn) != 2 || f.Churn[0].Kind != churn.Neigh || f.Churn[1].Kind != churn.Addr {
		t.Fatalf("churn %+v: want neigh and addr", f.Churn)
	}
	addr := f.Churn[1]
	if !addr.Reached() || addr.Errors != 0 {
		t.Fatalf("addr churn %v", addr)
	}
	seen := f.Down.Storm.Churn + f.Up.Storm.Churn
	// Every address change is one message on the address group; the
	// neighbour changes are on a group nobody here joined.
	if seen != addr.Changes+addr.Cleared {
		t.Fatalf("the oracle counted %d churn messages, the generator made %d address changes and cleared %d", seen, addr.Changes, addr.Cleared)
	}
	if flapOnly := f.Down.Storm.Messages - f.Down.Storm.Churn; flapOnly == 0 {
		t.Fatalf("no flap messages left in the down window: %+v", f.Down.Storm)
	}
	// Churn's share of the truesize is taken out at its own truesize per
	// message, measured alone before the flap: what is left is the
	// flap's, between nothing and the whole window.
	if d := f.Down.Storm; d.ChurnTruesize == 0 || d.FlapTruesize() == 0 || d.FlapTruesize() >= d.Truesize {
		t.Fatalf("down window: truesize %d, churn's %d, the flap's %d", d.Truesize, d.ChurnTruesize, d.FlapTruesize())
	}
}

// keepalived restarted as a flap: its shutdown's storm (the VMACs it
// removes) is counted apart from the window of the new keepalived, whose
// VMACs and addresses make the measured storm, and every instance is
// MASTER again under the new process. Reloaded with an unchanged
// configuration, keepalived 2.2.7 keeps its VMACs and addresses: no
// instance leaves MASTER.
func TestKeepalivedRestartAndReload(t *testing.T) {
	roottest.RequireKeepalived(t)
	for _, kind := range []flap.Kind{flap.Restart, flap.Reload} {
		t.Run(string(kind), func(t *testing.T) {
			sc := small(4*bytesize.MiB, scenario.PolicyNone)
			sc.VRIDs, sc.Target, sc.Version, sc.AdvertInterval = 16, scenario.TargetKeepalived, 2, time.Second
			sc.FlapPattern = flap.Pattern{Kind: kind}
			res, err := run(t, sc)
			if err != nil {
				t.Fatalf("verdict %s: %v", res.Verdict.Line, err)
			}
			f := res.Flaps[0]
			if !f.OneWindow || len(f.Stuck) != 0 || f.Changes != 0 {
				t.Fatalf("one window %v, stuck %v, %d link changes: want one window, none stuck, no link changed", f.OneWindow, f.Stuck, f.Changes)
			}
			if kind == flap.Reload {
				if f.Shutdown != nil || f.Recovery.Count != 0 {
					t.Fatalf("reload: shutdown %+v, %d instances went back to MASTER: want none that left it", f.Shutdown, f.Recovery.Count)
				}
				return
			}
			if f.Shutdown == nil || f.Shutdown.ByType["RTM_DELLINK"] < uint64(sc.VRIDs) {
				t.Fatalf("shutdown storm %+v: want the %d VMACs removed", f.Shutdown, sc.VRIDs)
			}
			if f.Up.Storm.ByType["RTM_NEWLINK"] < uint64(sc.VRIDs) || f.Recovery.Count != sc.VRIDs {
				t.Fatalf("after the start: %v, %d recovered: want the %d VMACs made again and every instance back", f.Up.Storm.ByType, f.Recovery.Count, sc.VRIDs)
			}
		})
	}
}
