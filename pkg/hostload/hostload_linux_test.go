package hostload

import (
	"math"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// A load reaches the share asked for, within 10 points, over each second
// (Since, as over a flap) and over its whole run (Stop), on every CPU it
// loads; none is left running after Stop.
func TestLoadReachesItsShare(t *testing.T) {
	roottest.Require(t)
	ns, err := netns.Current()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	for _, pct := range []int{50, 90} {
		l, err := Start(ns, t.TempDir(), pct)
		if err != nil {
			t.Fatal(err)
		}
		procs := l.procs
		// The share is a rate over time: measure it over two seconds,
		// each on its own (as a flap's) and both together.
		var shares []Share
		for range 2 {
			time.Sleep(time.Second)
			s, err := l.Since()
			if err != nil {
				t.Fatal(err)
			}
			shares = append(shares, s)
		}
		s, err := l.Stop()
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range append(shares, s) {
			t.Logf("asked %d %%, achieved %.1f %% on CPUs %v (%d of since, since, all)", s.Asked, s.Achieved, s.CPUs, i+1)
			if len(s.CPUs) == 0 || math.Abs(s.Achieved-float64(pct)) > 10 {
				t.Fatalf("asked %d %%, achieved %.1f %% on CPUs %v (%d of since, since, all)", pct, s.Achieved, s.CPUs, i+1)
			}
		}
		for _, p := range procs {
			select {
			case <-p.Exited():
			default:
				t.Fatalf("burner %d still runs after Stop", p.PID())
			}
		}
	}
	if _, err := Start(ns, t.TempDir(), 150); err == nil {
		t.Fatal("a load of 150 % was accepted")
	}
}
