package stats

import "testing"

func TestSlope(t *testing.T) {
	tests := []struct {
		name   string
		xs, ys []float64
		want   float64
	}{
		{"flat", []float64{1, 2, 3, 4}, []float64{5, 5, 5, 5}, 0},
		{"a line", []float64{1, 2, 3, 4}, []float64{3, 5, 7, 9}, 2},
		{"noise around a line", []float64{0, 1, 2, 3}, []float64{0, 2, 1, 3}, 0.8},
		{"falling", []float64{0, 10}, []float64{100, 50}, -5},
		{"one point", []float64{1}, []float64{7}, 0},
		{"no spread in x", []float64{2, 2, 2}, []float64{1, 2, 3}, 0},
	}
	for _, tt := range tests {
		if got := Slope(tt.xs, tt.ys); !near(got, tt.want) {
			t.Errorf("%s: Slope = %v, want %v", tt.name, got, tt.want)
		}
	}
}
