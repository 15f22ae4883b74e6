package stress

import (
	"runtime"

	"github.com/nlstress/nlstress/pkg/scenario"
)

// limitHarness keeps nlstress's own goroutines to sc.HarnessProcs CPUs
// while a run lasts, and returns what undoes it. The router under test is
// a process of its own (the built-in engine too, see engineproc) and is
// not limited.
//
// A daemon that drains a storm needs a CPU at the moment the kernel sends
// it; on a small host the Go runtime's spare threads (a goroutine woken,
// a thread spun up to look for work) took that CPU often enough to change
// what was measured: keepalived read nothing of a link-down storm in 26
// of 30 flaps with every CPU to the runtime, in 3 of 15 with one.
func limitHarness(sc scenario.Scenario) (restore func()) {
	if sc.HarnessProcs == 0 {
		return func() {}
	}
	old := runtime.GOMAXPROCS(sc.HarnessProcs)
	return func() { runtime.GOMAXPROCS(old) }
}
