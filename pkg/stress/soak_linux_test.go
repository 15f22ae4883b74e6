package stress

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/engineproc"
	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/keepalived"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/procstat"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// soakFor is how long each side of a soak comparison is watched after it
// converged: NLS_SOAK (a Go duration), 60 s by default.
func soakFor(b *testing.B) time.Duration {
	if v := os.Getenv("NLS_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("NLS_SOAK=%q: %v", v, err)
		}
		return d
	}
	return 60 * time.Second
}

// soakSide is what one subject did over a soak.
type soakSide struct {
	cpu       time.Duration // user + system
	wall      time.Duration
	sent      uint64 // packets the subject's interfaces sent: its adverts
	spurious  int    // state changes of either router during the soak
	rssMB     float64
	converged time.Duration
}

func (s soakSide) cpuPercent() float64 { return 100 * s.cpu.Seconds() / s.wall.Seconds() }
func (s soakSide) usPerAdvert() float64 {
	return float64(s.cpu.Microseconds()) / float64(max(s.sent, 1))
}

// BenchmarkSoakEngineVsKeepalived255At10ms: the subject's 255 instances
// advertise every 10 ms for the soak, once on the built-in engine and
// once on keepalived 2.2.7, against the same peer: a keepalived at
// priority 100 in the peer namespace. Target: the engine's CPU per advert
// at most keepalived's (ratio <= 1), no spurious transition on either.
func BenchmarkSoakEngineVsKeepalived255At10ms(b *testing.B) {
	soakEngineVsKeepalived(b, 255, 10*time.Millisecond)
}

// BenchmarkSoakEngineVsKeepalived4080At1s: 4080 instances (16 x 255) at
// 1 s. Target: the engine's RSS at most keepalived's.
func BenchmarkSoakEngineVsKeepalived4080At1s(b *testing.B) {
	soakEngineVsKeepalived(b, 4080, time.Second)
}

// soakEngineVsKeepalived builds one lab, starts the peer keepalived, runs
// the engine as the subject and soaks it, stops it, runs keepalived as
// the subject and soaks it, and reports both.
func soakEngineVsKeepalived(b *testing.B, n int, interval time.Duration) {
	roottest.RequireKeepalived(b)
	sc := scenario.Default()
	sc.VRIDs, sc.AdvertInterval, sc.Version = n, interval, 3
	l, err := lab.Build(context.Background(), labSpec(&engineTarget{}, sc, nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Teardown() })
	subjectSpecs, peerSpecs := instanceSpecs(sc, l, lab.RoleSubject), instanceSpecs(sc, l, lab.RolePeer)
	start := func(side *lab.Side, name string, specs []vrrp.InstanceSpec) (*keepalived.Process, []string) {
		b.Helper()
		dir := filepath.Join(l.Dir(), name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		names, _, instances := generated(sc, l, specs)
		p, err := keepalived.Start(side.NS, keepalived.Options{Dir: dir, Global: keepalived.Global{RouterID: name + "-" + l.RunID}, Instances: instances})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { p.Stop(0) })
		return p, names
	}
	limit := 2*sc.MasterDownInterval(peerPriority) + 2*time.Minute
	wait := func(what string, f func(context.Context) error) time.Duration {
		b.Helper()
		t0 := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		if err := f(ctx); err != nil {
			b.Fatalf("%s: %v", what, err)
		}
		return time.Since(t0)
	}
	peer, peerNames := start(l.Peer, "peer", peerSpecs)
	peerBackup := func(ctx context.Context) error { return peer.WaitAll(ctx, peerNames, "BACKUP") }

	// The engine as the subject, in its own process as in a run, with its
	// monitor at keepalived's groups and the kernel's default buffer.
	engineDir := filepath.Join(l.Dir(), "engine")
	if err := os.MkdirAll(engineDir, 0o755); err != nil {
		b.Fatal(err)
	}
	engine, err := engineproc.Start(l.Subject.NS, engineDir, engineproc.Spec{Instances: subjectSpecs})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { engine.Stop(0) })
	var ours soakSide
	ours.converged = wait("engine all MASTER", func(ctx context.Context) error { return engine.WaitAll(ctx, vrrp.Master) })
	ours.converged += wait("peer all BACKUP", peerBackup)
	transitions := func() int { return len(engine.Transitions()) + len(peer.History()) }
	b.ResetTimer()
	ours.soak(b, l, transitions, func() time.Duration { return cpuOf(b, engine.PID()) }, func() float64 { return rssOf(b, engine.PID()) })
	b.StopTimer()
	if err := engine.Stop(daemon.StopGrace); err != nil {
		b.Fatalf("engine: %v", err)
	}

	// keepalived as the subject: it preempts the peer, which took over
	// when the engine stopped.
	ka, names := start(l.Subject, "subject", subjectSpecs)
	var theirs soakSide
	theirs.converged = wait("keepalived all MASTER", func(ctx context.Context) error { return ka.WaitAll(ctx, names, "MASTER") })
	theirs.converged += wait("peer all BACKUP", peerBackup)
	pids := []int{ka.PID(), ka.VRRPPID()}
	transitions = func() int { return len(ka.History()) + len(peer.History()) }
	b.StartTimer()
	theirs.soak(b, l, transitions, func() time.Duration { return cpuOf(b, pids...) }, func() float64 { return rssOf(b, pids...) })
	b.StopTimer()

	for _, s := range []struct {
		name string
		side soakSide
	}{{"engine", ours}, {"keepalived", theirs}} {
		b.ReportMetric(s.side.cpuPercent(), s.name+"-cpu-%")
		b.ReportMetric(s.side.usPerAdvert(), s.name+"-us/advert")
		b.ReportMetric(float64(s.side.sent)/s.side.wall.Seconds(), s.name+"-adverts/s")
		b.ReportMetric(s.side.rssMB, s.name+"-rss-MB")
		b.ReportMetric(float64(s.side.spurious), s.name+"-spurious")
		b.ReportMetric(s.side.converged.Seconds(), s.name+"-converge-s")
	}
	b.ReportMetric(ours.usPerAdvert()/theirs.usPerAdvert(), "cpu-per-advert-ratio")
	b.ReportMetric(ours.rssMB/theirs.rssMB, "rss-ratio")
}

// soak watches a converged subject for the soak: the CPU cpu() reports,
// the packets its interfaces sent, the transitions of both routers.
func (s *soakSide) soak(b *testing.B, l *lab.Lab, transitions func() int, cpu func() time.Duration, rss func() float64) {
	b.Helper()
	before, cpu0, sent0, t0 := transitions(), cpu(), txPackets(b, l), time.Now()
	flap.Hold(context.Background(), t0.Add(soakFor(b))) // the soak: a steady state watched for a fixed time
	s.wall, s.cpu, s.sent, s.spurious = time.Since(t0), cpu()-cpu0, txPackets(b, l)-sent0, transitions()-before
	s.rssMB = rss()
}

// txPackets is what the subject's lab interfaces sent so far.
func txPackets(b *testing.B, l *lab.Lab) uint64 {
	b.Helper()
	var n uint64
	for _, ifc := range l.Interfaces {
		m, err := l.Subject.Conn.Link.Get(ifc.Index)
		if err != nil {
			b.Fatal(err)
		}
		if m.Attributes != nil && m.Attributes.Stats64 != nil {
			n += m.Attributes.Stats64.TXPackets
		}
	}
	return n
}

// cpuOf is the CPU processes used so far.
func cpuOf(b *testing.B, pids ...int) time.Duration {
	b.Helper()
	var total time.Duration
	for _, pid := range pids {
		d, err := procstat.CPU(pid)
		if err != nil {
			b.Fatal(err)
		}
		total += d
	}
	return total
}

// rssOf is the resident set of processes, MB.
func rssOf(b *testing.B, pids ...int) float64 {
	b.Helper()
	var total uint64
	for _, pid := range pids {
		n, err := procstat.RSS(pid)
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	return float64(total) / (1 << 20)
}
