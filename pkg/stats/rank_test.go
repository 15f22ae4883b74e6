package stats

import (
	"testing"
	"time"
)

func TestNearestRank(t *testing.T) {
	for _, tt := range []struct {
		name string
		s    []int
		p    float64
		want int
	}{
		{"empty", nil, 0.5, 0},
		{"one", []int{7}, 0.95, 7},
		{"median of odd", []int{1, 2, 3}, 0.5, 2},
		{"median of even is the lower middle", []int{1, 2, 3, 4}, 0.5, 2},
		{"p95 of 20", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, 0.95, 19},
		{"p95 of 30 rounds up", []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}, 0.95, 29},
		{"max", []int{1, 2, 3}, 1, 3},
		{"tiny p is the min", []int{4, 5, 6}, 0.01, 4},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := NearestRank(tt.s, tt.p); got != tt.want {
				t.Errorf("NearestRank(%v, %v) = %v, want %v", tt.s, tt.p, got, tt.want)
			}
		})
	}
	if got := NearestRank([]time.Duration{time.Second, 2 * time.Second}, 0.5); got != time.Second {
		t.Errorf("durations: %v, want 1s", got)
	}
}
