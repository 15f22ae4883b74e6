package stress

import (
	"runtime"
	"testing"

	"github.com/nlstress/nlstress/pkg/scenario"
)

// limitHarness holds nlstress's own goroutines to the scenario's CPUs while
// a run lasts, whatever the target (the router under test is a process of
// its own), and gives them back.
func TestLimitHarness(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	if before < 2 {
		t.Skip("GOMAXPROCS is 1: a limit of 1 would change nothing to see")
	}
	for _, tc := range []struct {
		name  string
		procs int
		want  int // GOMAXPROCS while limited
	}{
		{"kept to one CPU", 1, 1},
		{"kept to two CPUs", 2, 2},
		{"0 leaves every CPU", 0, before},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := scenario.Default()
			sc.HarnessProcs = tc.procs
			restore := limitHarness(sc)
			now := runtime.GOMAXPROCS(0)
			restore()
			if now != tc.want {
				t.Errorf("GOMAXPROCS while limited = %d (before %d), want %d", now, before, tc.want)
			}
			if after := runtime.GOMAXPROCS(0); after != before {
				t.Errorf("GOMAXPROCS after restore = %d, want %d", after, before)
			}
		})
	}
}
