package compare

import (
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// peaked is a flap at effective buffer rcvbuf whose two phases peaked at
// down and up bytes, losing drops messages.
func peaked(i int, rcvbuf int64, down, up, drops uint64) result.Flap {
	return result.Flap{Index: i, Rcvbuf: rcvbuf,
		Down: result.Phase{PeakQueueExact: down},
		Up:   result.Phase{PeakQueueExact: up, Drops: drops}}
}

// The baseline's peaks predict, at each smaller buffer, the fraction of
// its flaps whose peak passed that buffer; a measured rate far from it
// disagrees. A variant that changes more than the buffer gets no
// prediction, and a baseline that lost, or was not watched, none at all.
func TestPredict(t *testing.T) {
	base := scenario.Default()
	small, other := base, base
	small.RcvBuf = 300_000
	other.RcvBuf, other.VRIDs = 300_000, base.VRIDs+1
	vs := []Variant{{Name: "big", Scenario: base}, {Name: "small", Scenario: small}, {Name: "small-more", Scenario: other}, {Name: "small-wrong", Scenario: small}}
	const big = 8 << 20
	// Peaks of 500, 700 and 900 KB (one in the down phase): at 614,400
	// effective bytes, two of three lose.
	baseline := []result.Flap{peaked(1, big, 500_000, 100_000, 0), peaked(2, big, 100_000, 700_000, 0), peaked(3, big, 900_000, 200_000, 0)}
	lossy := []result.Flap{peaked(1, 614_400, 1, 1, 10), peaked(2, 614_400, 1, 1, 4), peaked(3, 614_400, 1, 1, 0)}
	clean := []result.Flap{peaked(1, 614_400, 1, 1, 0), peaked(2, 614_400, 1, 1, 0), peaked(3, 614_400, 1, 1, 0)}
	out := summarize(vs, [][]result.Flap{baseline, lossy, lossy, clean}, make([]string, 4))
	if p := out[1].Predicted; p == nil || p.Loss.K != 2 || p.Loss.N != 3 || !p.Agrees {
		t.Fatalf("small: predicted %+v, measured %v: want 2 of 3, agreeing", p, out[1].Loss)
	}
	if out[2].Predicted != nil {
		t.Fatalf("a variant with more VRIDs got a prediction: %+v", out[2].Predicted)
	}
	if out[0].PeakExactMax != 900_000 || out[1].Rcvbuf != 614_400 {
		t.Fatalf("baseline's highest peak %d, small's buffer %d", out[0].PeakExactMax, out[1].Rcvbuf)
	}
	// 0 of 3 measured against 2 of 3 predicted: too few flaps to
	// disagree (p = 0.4); with 30 of each it would.
	if p := out[3].Predicted; p == nil || !p.Agrees {
		t.Fatalf("small-wrong with 3 flaps: %+v", p)
	}
	var many, manyClean []result.Flap
	for i := range 30 {
		many = append(many, baseline[i%3])
		manyClean = append(manyClean, clean[i%3])
	}
	out = summarize(vs[:2], [][]result.Flap{many, manyClean}, make([]string, 2))
	if p := out[1].Predicted; p == nil || p.Agrees || !p.Below || p.Loss.K != 20 || !strings.Contains(p.Words(), "the bound holds") {
		t.Fatalf("0 of 30 measured against 20 of 30 predicted: %+v", p)
	}
	// The other way round breaks the bound.
	var manyLossy []result.Flap
	for i := range 30 {
		manyLossy = append(manyLossy, peaked(i+1, 614_400, 1, 1, 3))
	}
	quiet := make([]result.Flap, 30)
	for i := range quiet {
		quiet[i] = peaked(i+1, big, 100_000, 100_000, 0)
	}
	out = summarize(vs[:2], [][]result.Flap{quiet, manyLossy}, make([]string, 2))
	if p := out[1].Predicted; p == nil || p.Agrees || p.Below || !strings.HasPrefix(p.Words(), "MORE than predicted") {
		t.Fatalf("30 of 30 measured against 0 of 30 predicted: %+v", p)
	}

	for _, tc := range []struct {
		name  string
		flaps []result.Flap
		why   string
	}{
		{"lost", []result.Flap{peaked(1, big, 500_000, 100_000, 3)}, "the baseline lost messages (flap 1)"},
		{"unwatched", []result.Flap{peaked(1, big, 500_000, 0, 0)}, "flap 1 has no exact queue peak"},
		{"none", nil, "no flaps"},
	} {
		if why := predictable(tc.flaps); !strings.Contains(why, tc.why) {
			t.Errorf("%s: %q, want %q", tc.name, why, tc.why)
		}
		out := summarize(vs[:2], [][]result.Flap{tc.flaps, lossy}, make([]string, 2))
		if out[1].Predicted != nil {
			t.Errorf("%s: predicted %+v from a baseline that cannot", tc.name, out[1].Predicted)
		}
	}
}
