package stress

import (
	"context"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// BenchmarkOpenFRRVsKeepalived255: build the lab and converge (every
// subject instance MASTER, every peer instance BACKUP) for 255 VRIDs with
// VMACs, VRRPv2 at 1 s, once with --target keepalived and once with
// --target frr, alternating, in the same run. Target: FRR's time at most
// twice keepalived's (frr/keepalived <= 2).
func BenchmarkOpenFRRVsKeepalived255(b *testing.B) {
	roottest.RequireKeepalived(b)
	roottest.RequireFRR(b)
	sc := scenario.Default()
	sc.VRIDs, sc.VMAC, sc.Version, sc.AdvertInterval = 255, true, 2, time.Second
	var took [2]time.Duration
	targets := [2]scenario.Target{scenario.TargetKeepalived, scenario.TargetFRR}
	for b.Loop() {
		for i, target := range targets {
			sc := sc
			sc.Target = target
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			t0 := time.Now()
			s, _, err := Open(ctx, sc)
			if err != nil {
				cancel()
				b.Fatalf("%s: %v", target, err)
			}
			took[i] += time.Since(t0)
			if _, err := s.Close(ctx, nil); err != nil {
				cancel()
				b.Fatalf("%s: close: %v", target, err)
			}
			cancel()
		}
	}
	n := float64(b.N)
	b.ReportMetric(took[0].Seconds()/n, "keepalived-s")
	b.ReportMetric(took[1].Seconds()/n, "frr-s")
	b.ReportMetric(took[1].Seconds()/took[0].Seconds(), "frr/keepalived")
}
