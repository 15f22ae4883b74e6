package nlmon

import (
	"math"
	"testing"
)

func TestGrantedAndCapped(t *testing.T) {
	const rmemMax = 212992
	for _, tt := range []struct {
		name    string
		request int64
		force   bool
		granted int64
		capped  bool
	}{
		{"plain, under rmem_max: doubled", 65536, false, 131072, false},
		{"plain, over rmem_max: capped, then doubled", 1000000, false, 2 * rmemMax, true},
		{"forced, over rmem_max: doubled, never capped", 1000000, true, 2000000, false},
		{"forced, beyond INT_MAX/2: the kernel's ceiling", 1 << 30, true, 2 * (math.MaxInt32 / 2), false},
		{"forced, the largest C int: the ceiling", math.MaxInt32, true, 2 * (math.MaxInt32 / 2), false},
		{"forced, 2^31: a negative int, the kernel's minimum", 1 << 31, true, SockMinRcvBuf, false},
		{"forced, 2^32-1 (keepalived's largest): -1, the minimum", 1<<32 - 1, true, SockMinRcvBuf, false},
		{"plain, 2^31: compared unsigned, capped by rmem_max", 1 << 31, false, 2 * rmemMax, true},
		{"a tiny request: the minimum", 1, true, SockMinRcvBuf, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := Granted(tt.request, tt.force, rmemMax)
			if g != tt.granted {
				t.Fatalf("Granted = %d, want %d", g, tt.granted)
			}
			if c := Capped(tt.request, g, tt.force); c != tt.capped {
				t.Fatalf("Capped = %v, want %v", c, tt.capped)
			}
		})
	}
}
