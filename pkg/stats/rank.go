package stats

import (
	"cmp"
	"math"
)

// NearestRank is the nearest-rank p-quantile of sorted (ascending), 0 < p
// <= 1: the smallest value with at least p of the values at or below it,
// always one of the values. NearestRank(s, 0.5) of an even count is the
// lower of the middle two. It returns the zero value for an empty slice.
func NearestRank[T cmp.Ordered](sorted []T, p float64) T {
	var zero T
	if len(sorted) == 0 {
		return zero
	}
	rank := int(math.Ceil(p * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}
