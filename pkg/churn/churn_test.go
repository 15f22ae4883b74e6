package churn

import "testing"

// The changes go round: Slots adds, then Slots removes of the same
// slots; what is left in place after n changes is what the last round
// added and did not remove yet.
func TestStepAndLeft(t *testing.T) {
	for _, tt := range []struct {
		n           uint64
		slot        int
		add         bool
		first, last int
	}{
		{0, 0, true, 0, 0},
		{3, 3, true, 0, 3},
		{Slots, 0, false, 0, Slots},
		{Slots + 7, 7, false, 7, Slots},
		{2 * Slots, 0, true, 0, 0},
		{2*Slots + 1, 1, true, 0, 1},
	} {
		slot, add := step(tt.n)
		first, last := left(tt.n)
		if slot != tt.slot || add != tt.add || first != tt.first || last != tt.last {
			t.Errorf("n=%d: step %d %v, left %d..%d; want %d %v, %d..%d", tt.n, slot, add, first, last, tt.slot, tt.add, tt.first, tt.last)
		}
	}
}
