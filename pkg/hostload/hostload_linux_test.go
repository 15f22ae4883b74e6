package hostload

import (
	"math"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// A load reaches the share asked for, within 10 points, on every CPU it
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
		// The share is a rate over time: measure it over 2 s.
		time.Sleep(2 * time.Second)
		s, err := l.Stop()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("asked %d %%, achieved %.1f %% on CPUs %v", s.Asked, s.Achieved, s.CPUs)
		if len(s.CPUs) == 0 || math.Abs(s.Achieved-float64(pct)) > 10 {
			t.Fatalf("asked %d %%, achieved %.1f %% on CPUs %v", pct, s.Achieved, s.CPUs)
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
