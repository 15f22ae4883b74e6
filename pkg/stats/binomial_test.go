package stats

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 5e-4 }

// Reference values: exact Clopper–Pearson bounds, checked by summing the
// binomial terms in Python (P(X <= k) at the upper bound is 0.025, at the
// one-sided bound 0.05).
func TestBinomial(t *testing.T) {
	for _, tc := range []struct {
		k, n                 int
		lower, upper, atMost float64
	}{
		{0, 30, 0, 0.1157, 0.0950},
		{3, 9, 0.0749, 0.7007, 0.6551},
		{3, 30, 0.0211, 0.2653, 0.2386},
		{30, 30, 0.8843, 1, 1},
		{1, 1, 0.025, 1, 1},
		{0, 1, 0, 0.975, 0.95},
	} {
		r := Binomial(tc.k, tc.n)
		if !near(r.Lower, tc.lower) || !near(r.Upper, tc.upper) || !near(r.AtMost, tc.atMost) {
			t.Errorf("Binomial(%d, %d) = [%.4f, %.4f] at most %.4f, want [%.4f, %.4f] at most %.4f",
				tc.k, tc.n, r.Lower, r.Upper, r.AtMost, tc.lower, tc.upper, tc.atMost)
		}
		if r.Rate != float64(tc.k)/float64(tc.n) {
			t.Errorf("Binomial(%d, %d).Rate = %v", tc.k, tc.n, r.Rate)
		}
	}
}

func TestBinomialEmpty(t *testing.T) {
	if r := Binomial(0, 0); r.Lower != 0 || r.Upper != 1 || r.String() != "0 of 0" {
		t.Errorf("Binomial(0, 0) = %+v %q", r, r.String())
	}
}

func TestString(t *testing.T) {
	if got, want := Binomial(3, 30).String(), "3 of 30 (10 %, 95 % CI 2.1–26.5 %)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestCleanTrials(t *testing.T) {
	for _, tc := range []struct {
		p    float64
		want int
	}{{0.10, 29}, {0.05, 59}, {0.01, 299}} {
		if got := CleanTrials(tc.p); got != tc.want {
			t.Errorf("CleanTrials(%v) = %d, want %d", tc.p, got, tc.want)
		}
		// And the bound it promises holds: 0 of that many is below p.
		if r := Binomial(0, CleanTrials(tc.p)); r.AtMost >= tc.p {
			t.Errorf("0 of %d: at most %v, not below %v", r.N, r.AtMost, tc.p)
		}
	}
}

func TestOverlap(t *testing.T) {
	if !Overlap(Binomial(3, 9), Binomial(5, 30)) {
		t.Error("3/9 and 5/30 should not be told apart")
	}
	if Overlap(Binomial(0, 30), Binomial(25, 30)) {
		t.Error("0/30 and 25/30 should be told apart")
	}
}

func FuzzBinomial(f *testing.F) {
	f.Add(uint8(3), uint8(30))
	f.Fuzz(func(t *testing.T, k, n uint8) {
		if k > n {
			return
		}
		r := Binomial(int(k), int(n))
		if r.Lower < 0 || r.Upper > 1 || r.Lower > r.Rate+1e-9 || r.Upper < r.Rate-1e-9 || r.AtMost > r.Upper+1e-9 {
			t.Fatalf("Binomial(%d, %d) = %+v", k, n, r)
		}
	})
}
