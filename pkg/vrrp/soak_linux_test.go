package vrrp

import (
	"os"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/procstat"
)

// soakDuration is how long a soak benchmark watches the routers after they
// converged: NLS_SOAK (a Go duration), 60s by default.
func soakDuration(b *testing.B) time.Duration {
	if v := os.Getenv("NLS_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("NLS_SOAK=%q: %v", v, err)
		}
		return d
	}
	return 60 * time.Second
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	d, err := procstat.SelfCPU()
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// rssMB is the process's resident set, MB.
func rssMB(b *testing.B) float64 {
	n, err := procstat.RSS(0)
	if err != nil {
		b.Fatal(err)
	}
	return float64(n) / (1 << 20)
}

// soak converges a subject (priority 200) and a peer (priority 100) of n
// instances each, then watches them for the soak duration and reports the
// transitions in that window (any is spurious), the CPU the process used
// as a share of one core, and its RSS. Run with -benchtime 1x.
func soak(b *testing.B, n int, interval time.Duration) {
	_, subject, peer := twoRouters(b, n, 3, interval)
	within(b, subject, Master, 30*time.Second)
	within(b, peer, Backup, 30*time.Second)
	beforeSubject, beforePeer := len(subject.Transitions()), len(peer.Transitions())
	before := beforeSubject + beforePeer
	sentBefore := subject.Counters().AdvertsSent
	cpu0, t0 := cpuTime(b), time.Now()
	b.ResetTimer()
	time.Sleep(soakDuration(b)) // the soak itself: watching a steady state for a fixed time
	wall, cpu := time.Since(t0), cpuTime(b)-cpu0
	b.StopTimer()
	spurious := len(subject.Transitions()) + len(peer.Transitions()) - before
	if spurious > 0 {
		// Say what happened: which router moved, to which state, and
		// whether it was one burst (every instance at once: the process
		// was not scheduled for longer than a Master_Down_Interval) or
		// instances one by one (the engine).
		for _, r := range []struct {
			name string
			ts   []Transition
		}{{"subject", subject.Transitions()[beforeSubject:]}, {"peer", peer.Transitions()[beforePeer:]}} {
			ts := r.ts
			if len(ts) == 0 {
				continue
			}
			to := map[State]int{}
			for _, t := range ts {
				to[t.To]++
			}
			b.Logf("%s: %d transitions %v between %s and %s (%v apart), %d bursts more than 100 ms apart",
				r.name, len(ts), to, ts[0].At.Format("15:04:05.000"), ts[len(ts)-1].At.Format("15:04:05.000"),
				ts[len(ts)-1].At.Sub(ts[0].At).Round(time.Millisecond), bursts(ts, 100*time.Millisecond))
		}
	}
	b.ReportMetric(float64(spurious), "spurious-transitions")
	b.ReportMetric(100*cpu.Seconds()/wall.Seconds(), "cpu-%-of-one-core")
	b.ReportMetric(rssMB(b), "rss-MB")
	b.ReportMetric(float64(subject.Counters().AdvertsSent-sentBefore)/wall.Seconds(), "adverts/s")
	if c := peer.Counters(); len(c.Discarded) > 0 {
		b.Logf("peer discarded %v", c.Discarded)
	}
}

// bursts counts groups of transitions separated by more than gap.
func bursts(ts []Transition, gap time.Duration) int {
	n := 0
	for i, t := range ts {
		if i == 0 || t.At.Sub(ts[i-1].At) > gap {
			n++
		}
	}
	return n
}

// BenchmarkSoak255At10ms: 2 x 255 instances advertising every 10 ms (the
// smallest VRRPv3 interval). Targets: 0 spurious transitions, under 50 %
// of one core.
func BenchmarkSoak255At10ms(b *testing.B) { soak(b, 255, 10*time.Millisecond) }

// BenchmarkSoak4080At1s: 2 x 4080 instances (16 interfaces x 255, the most a
// lab holds; the 4,095 is not 16 x 255) at 1 s.
// Targets: 0 spurious transitions, RSS under 200 MB.
func BenchmarkSoak4080At1s(b *testing.B) { soak(b, 4080, time.Second) }
