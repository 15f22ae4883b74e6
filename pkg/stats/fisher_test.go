package stats

import (
	"math"
	"testing"
)

// Known values: the first two as published (R's fisher.test), the rest
// computed exactly with rational arithmetic.
func TestFisherExact(t *testing.T) {
	tests := []struct {
		name           string
		k1, n1, k2, n2 int
		want           float64
	}{
		// Fisher's lady tasting tea: 3 of 4 against 1 of 4.
		{"tea tasting", 3, 4, 1, 4, 0.4857143},
		// Wikipedia's example: 1 of 10 against 11 of 14.
		{"studying, by sex", 1, 10, 11, 14, 0.002759456},
		{"none against all, 10 each", 0, 10, 10, 10, 2 / 184756.0},
		{"identical", 5, 10, 5, 10, 1},
		{"nothing happened anywhere", 0, 30, 0, 30, 1},
		// The incident: 10 of 30 flaps stranded instances; 1 of 30 with
		// a fix.
		{"10 of 30 against 1 of 30", 10, 30, 1, 30, 0.005579092},
		{"10 of 30 against 5 of 30", 10, 30, 5, 30, 0.2325985},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := FisherExact(tt.k1, tt.n1, tt.k2, tt.n2)
			if math.Abs(got-tt.want) > 1e-4*math.Max(tt.want, 1e-3) && math.Abs(got-tt.want) > 1e-9 {
				t.Fatalf("FisherExact(%d/%d, %d/%d) = %.7g, want %.7g", tt.k1, tt.n1, tt.k2, tt.n2, got, tt.want)
			}
			if back := FisherExact(tt.k2, tt.n2, tt.k1, tt.n1); math.Abs(back-got) > 1e-12 {
				t.Fatalf("not symmetric: %g and %g", got, back)
			}
		})
	}
	if !math.IsNaN(FisherExact(5, 4, 1, 4)) {
		t.Fatal("an impossible table gave a p-value")
	}
}

func TestPower(t *testing.T) {
	// Certain outcomes: 0 of 10 against 10 of 10 every time, p ~ 1e-5.
	if p := Power(0, 10, 1, 10, 0.05); math.Abs(p-1) > 1e-9 {
		t.Fatalf("power of 0 %% against 100 %% = %g, want 1", p)
	}
	// One rate against itself is rejected at most alpha of the time
	// (Fisher's test is conservative).
	for _, r := range []float64{0.1, 0.33, 0.5} {
		if p := Power(r, 30, r, 30, 0.05); p > 0.05 {
			t.Fatalf("rate %g against itself rejected %g of the time, above alpha", r, p)
		}
	}
}

// With 30 flaps each, from the incident's 33 % a change must be about 30
// points to be seen 80 % of the time: what compare says of a "no
// measurable difference".
func TestDetectable(t *testing.T) {
	d := Detectable(1.0/3, 30, 0.05, 0.8)
	if d < 0.25 || d > 0.36 {
		t.Fatalf("detectable change from 33 %% in 30 flaps = %.2f, want about 0.3", d)
	}
	if more := Detectable(1.0/3, 100, 0.05, 0.8); more >= d {
		t.Fatalf("100 flaps see %.2f, no better than 30's %.2f", more, d)
	}
	t.Logf("30 flaps: %.2f; 100 flaps: %.2f", d, Detectable(1.0/3, 100, 0.05, 0.8))
}
