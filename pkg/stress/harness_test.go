package stress

import (
	"runtime"
	"testing"

	"github.com/nlstress/nlstress/pkg/scenario"
)

func TestLimitHarness(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	for _, tc := range []struct {
		name   string
		target scenario.Target
		procs  int
		want   int // GOMAXPROCS while limited; 0: unchanged
	}{
		{"builtin: the engine is a process of its own", scenario.TargetBuiltin, 1, 1},
		{"keepalived kept to one CPU", scenario.TargetKeepalived, 1, 1},
		{"exec kept to one CPU", scenario.TargetExec, 1, 1},
		{"0 leaves every CPU", scenario.TargetKeepalived, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := scenario.Default()
			sc.Target, sc.HarnessProcs = tc.target, tc.procs
			restore := limitHarness(sc)
			now := runtime.GOMAXPROCS(0)
			restore()
			if want := tc.want; want == 0 && now != before || want != 0 && now != want {
				t.Errorf("GOMAXPROCS while limited = %d (before %d), want %d", now, before, tc.want)
			}
			if after := runtime.GOMAXPROCS(0); after != before {
				t.Errorf("GOMAXPROCS after restore = %d, want %d", after, before)
			}
		})
	}
}
