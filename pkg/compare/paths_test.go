package compare

import (
	"testing"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// flaps makes n flaps whose downs came in bursts bursts, stuck of them
// leaving instances stuck.
func flaps(n, bursts, stuck int) []result.Flap {
	out := make([]result.Flap, n)
	for i := range out {
		out[i].Down.LinkBursts = make([]flap.Burst, bursts)
		if i < stuck {
			out[i].Stuck = []result.Instance{{VRID: 1}}
		}
	}
	return out
}

// Two labs that strand at the same rate on each path, but take the paths
// in different proportions, differ over all flaps and not path by path:
// each path is tested against the baseline's flaps of the same path, and
// a path the baseline never took is not tested.
func TestByPath(t *testing.T) {
	base := scenario.Default()
	vs := []Variant{{Name: "keepalived", Scenario: base}, {Name: "engine", Scenario: base}, {Name: "other", Scenario: base}}
	ka := append(flaps(21, 3, 21), flaps(9, 1, 0)...)
	engine := append(flaps(7, 3, 7), flaps(23, 1, 0)...)
	other := flaps(5, 2, 5)
	out := summarize(vs, [][]result.Flap{ka, engine, other}, make([]string, 3))
	if p := out[1].StuckP; p == nil {
		t.Fatal("the engine's stuck rate was not tested against the baseline's")
	} else if *p >= Alpha {
		t.Fatalf("over all flaps 7 of 30 against 21 of 30: p = %v, want below %v (the mix differs)", *p, Alpha)
	}
	if len(out[0].ByDownBursts) != 2 || out[0].ByDownBursts[0].StuckP != nil {
		t.Fatalf("baseline by path: %+v, want two paths untested", out[0].ByDownBursts)
	}
	got := out[1].ByDownBursts
	if len(got) != 2 || got[0].DownBursts != 1 || got[1].DownBursts != 3 {
		t.Fatalf("engine by path: %+v, want 1 and 3 bursts", got)
	}
	for _, pr := range got {
		if pr.StuckP == nil || *pr.StuckP != 1 {
			t.Errorf("engine in %d bursts: %v, p %v; want p = 1 against the baseline's same path", pr.DownBursts, pr.Stuck, pr.StuckP)
		}
	}
	if o := out[2].ByDownBursts; len(o) != 1 || o[0].StuckP != nil {
		t.Errorf("a path the baseline never took: %+v, want it untested", o)
	}
}
