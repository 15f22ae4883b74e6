package stress

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/engineproc"
	"github.com/nlstress/nlstress/pkg/procstat"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

// enduranceFlaps is how many flaps an endurance run makes:
// NLS_ENDURANCE_FLAPS, 30 by default (the short form in
// scripts/bench.sh; FINDINGS has 500).
func enduranceFlaps(b *testing.B) int {
	if v := os.Getenv("NLS_ENDURANCE_FLAPS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 3 {
			b.Fatalf("NLS_ENDURANCE_FLAPS=%q: want 3 or more", v)
		}
		return n
	}
	return 30
}

// BenchmarkEnduranceEngine flaps one lab of the engine (64 VMACs at
// 100 ms, a buffer the storm cannot fill) again and again, and reports
// per 100 flaps the least-squares growth of nlstress's RSS, live heap, goroutines
// and open files and of the engine process's RSS and live heap, and how
// many flaps' books did not balance. Targets (scripts/bench.sh): nothing grows
// beyond noise, every flap balances.
func BenchmarkEnduranceEngine(b *testing.B) {
	sc := small(4*bytesize.MiB, scenario.PolicyNone)
	endurance(b, sc)
}

// BenchmarkEnduranceKeepalived is the same on keepalived 2.2.7 (64
// use_vmac instances at 1 s; its reads are not visible, so its books are
// not counted).
func BenchmarkEnduranceKeepalived(b *testing.B) {
	roottest.RequireKeepalived(b)
	sc := small(4*bytesize.MiB, scenario.PolicyNone)
	sc.Target, sc.AdvertInterval, sc.Version = scenario.TargetKeepalived, time.Second, 2
	endurance(b, sc)
}

// endurance is one endurance run of sc.
func endurance(b *testing.B, sc scenario.Scenario) {
	roottest.Require(b)
	n := enduranceFlaps(b)
	for range b.N {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(n)*time.Minute)
		s, _, err := Open(ctx, sc)
		if err != nil {
			cancel()
			b.Fatal(err)
		}
		var xs, rss, heap, gor, fds, drss, dheap []float64
		// The engine says what its Go runtime keeps: a leak grows its
		// live heap, a runtime holding freed memory only its RSS.
		engine, _ := s.r.daemon.(interface {
			memory() (engineproc.Memory, error)
		})
		unbalanced := 0
		for k := 1; k <= n; k++ {
			f, err := s.Flap(ctx)
			if err != nil {
				s.Close(ctx, err)
				cancel()
				b.Fatal(err)
			}
			for _, p := range []result.Phase{f.Down, f.Up} {
				if p.Balanced != nil && !*p.Balanced {
					unbalanced++
				}
			}
			var d result.Monitor
			s.r.monitor.describe(&d)
			self, err1 := procstat.RSS(0)
			daemon, err2 := procstat.RSS(d.PID)
			open, err3 := os.ReadDir("/proc/self/fd")
			if err1 != nil || err2 != nil || err3 != nil {
				s.Close(ctx, nil)
				cancel()
				b.Fatalf("flap %d: readings: %v %v %v", k, err1, err2, err3)
			}
			// The live heap after a collection: what nlstress keeps,
			// apart from how much the runtime holds on to.
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			heap = append(heap, float64(ms.HeapAlloc))
			if engine != nil {
				m, err := engine.memory()
				if err != nil {
					s.Close(ctx, nil)
					cancel()
					b.Fatalf("flap %d: the engine's memory: %v", k, err)
				}
				dheap = append(dheap, float64(m.HeapLive))
			}
			xs = append(xs, float64(k))
			rss, drss = append(rss, float64(self)), append(drss, float64(daemon))
			gor, fds = append(gor, float64(runtime.NumGoroutine())), append(fds, float64(len(open)))
		}
		if _, err := s.Close(ctx, nil); err != nil {
			b.Logf("close: %v", err)
		}
		cancel()
		per100 := func(ys []float64) float64 { return 100 * stats.Slope(xs, ys) }
		b.ReportMetric(per100(rss)/1024, "rss-KB/100flaps")
		b.ReportMetric(per100(heap)/1024, "heap-KB/100flaps")
		b.ReportMetric(per100(drss)/1024, "daemon-rss-KB/100flaps")
		if engine != nil {
			b.ReportMetric(per100(dheap)/1024, "daemon-heap-KB/100flaps")
			b.Logf("the engine's live heap %.1f -> %.1f MB", dheap[0]/(1<<20), dheap[n-1]/(1<<20))
		}
		b.ReportMetric(per100(gor), "goroutines/100flaps")
		b.ReportMetric(per100(fds), "fds/100flaps")
		b.ReportMetric(float64(unbalanced), "unbalanced-phases")
		b.ReportMetric(float64(n), "flaps")
		b.Logf("%d flaps: RSS %.1f -> %.1f MB, live heap %.1f -> %.1f MB, daemon RSS %.1f -> %.1f MB, goroutines %.0f -> %.0f, fds %.0f -> %.0f",
			n, rss[0]/(1<<20), rss[n-1]/(1<<20), heap[0]/(1<<20), heap[n-1]/(1<<20), drss[0]/(1<<20), drss[n-1]/(1<<20), gor[0], gor[n-1], fds[0], fds[n-1])
	}
}
