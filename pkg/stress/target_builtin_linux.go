package stress

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/engineproc"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/standin"
	"github.com/nlstress/nlstress/pkg/target"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// engineMonitor is the engine's monitor, in the engine's own process: its
// reads are counted there (Counts, Idle and WaitMarker are asked of it);
// its queue is read here, through a borrowed descriptor, so that the
// sampler never wakes the engine.
type engineMonitor struct {
	e *engineproc.Engine
	// mu guards the borrowed socket: fd, of inode (-1 before the first
	// sample; the restart policy replaces the socket).
	mu    sync.Mutex
	fd    int
	inode uint32
}

func (m *engineMonitor) Counts() (nlmon.Counts, error) { return m.e.Counts() }

func (m *engineMonitor) Idle() (bool, error) { return m.e.Idle() }

func (m *engineMonitor) WaitMarker(ctx context.Context, k uint32) (nlmon.Counts, error) {
	return m.e.WaitMarker(ctx, k)
}

func (m *engineMonitor) inferred() bool { return false }

func (m *engineMonitor) memInfo() (sockdiag.MemInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if inode := m.e.Socket().Inode; m.fd < 0 || inode != m.inode {
		if m.fd >= 0 {
			unix.Close(m.fd)
		}
		fd, err := sockdiag.Borrow(m.e.PID(), inode)
		if err != nil {
			m.fd = -1
			return sockdiag.MemInfo{}, fmt.Errorf("the engine's monitor: %w", err)
		}
		m.fd, m.inode = fd, inode
	}
	return sockdiag.ReadMemInfo(m.fd)
}

// Close gives the borrowed socket back.
func (m *engineMonitor) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fd < 0 {
		return nil
	}
	fd := m.fd
	m.fd = -1
	return unix.Close(fd)
}

func (m *engineMonitor) describe(d *result.Monitor) {
	s := m.e.Socket()
	d.Effective, d.Capped = int64(s.Effective), s.Capped
	d.PID, d.Inode = m.e.PID(), s.Inode
	if st, err := m.e.Stats(); err == nil {
		d.Resyncs, d.ResyncTime, d.Restarts = st.Resyncs, st.ResyncTime, st.Restarts
	}
}

func init() {
	targets[target.Builtin] = func(scenario.Scenario) (daemonUnderTest, error) { return &engineTarget{}, nil }
}

// engineTarget is nlstress's own engine as the subject, in a process of
// its own in the subject's namespace, with the monitor under test.
type engineTarget struct {
	e *engineproc.Engine
	// standins run at every state change with --notify-scripts, one
	// notify per instance, as in a generated keepalived lab.
	standins *standin.Set
	scripts  map[standin.Kind]int
}

// labSpec makes the engine's IPv4 VMACs as keepalived makes its own,
// without IPv6.
func (*engineTarget) labSpec(sc scenario.Scenario) lab.Spec {
	s := baseLab(sc, sc.VMAC)
	s.VMACNoIPv6 = sc.VMAC && sc.Family != 6
	return s
}

func (*engineTarget) groups(sc scenario.Scenario, _ *replay.Replay) []nlmon.Group {
	return linkGroups(sc)
}

func (t *engineTarget) start(ctx context.Context, r *runner) (watched, error) {
	size, force, _ := r.sc.MonitorBuffer()
	dir := filepath.Join(r.lab.Dir(), "engine")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return watched{}, fmt.Errorf("engine: %w", err)
	}
	sc := r.sc
	spec := engineproc.Spec{Instances: r.subjectSpecs, Groups: r.groups,
		RcvBuf: size, Force: force, NoENOBUFS: sc.NoENOBUFS, Cost: sc.ConsumerCost, Policy: sc.OnOverrun, TransitionCost: sc.TransitionCost, TrackCost: sc.TrackCost}
	if sc.NotifyScripts {
		var err error
		if t.standins, err = standin.Write(dir, standin.Options{Cost: sc.ScriptCost, CheckExit: sc.ScriptExit}); err != nil {
			return watched{}, err
		}
		t.scripts = map[standin.Kind]int{"notify": len(r.subjectSpecs)}
		spec.Notify = []string{t.standins.Path(), "notify"}
	}
	e, err := engineproc.Start(r.lab.Subject.NS, dir, spec)
	if err != nil {
		return watched{}, err
	}
	t.e = e
	marker, err := nlmon.OpenMarker(r.lab.Subject.NS.Fd())
	if err != nil {
		return watched{}, err
	}
	r.spawn(ctx, "subject engine", e.Watch)
	return watched{subject: e, monitor: &engineMonitor{e: e, fd: -1}, marker: marker, learn: learnFromEngine(r, e)}, nil
}

// setBuffer resizes the engine's monitor socket in place.
func (t *engineTarget) setBuffer(_ context.Context, r *runner) (bufferChange, error) {
	size, force, _ := r.sc.MonitorBuffer()
	return bufferChange{}, t.e.SetRcvBuf(size, force)
}

func (t *engineTarget) stop(grace time.Duration) error {
	if t.e == nil {
		return nil
	}
	return t.e.Stop(grace)
}

func (t *engineTarget) counters() (vrrp.Counters, error) { return t.e.Counters() }

// scriptsRan says how often the notify stand-ins ran; nil without
// --notify-scripts.
func (t *engineTarget) scriptsRan() (*result.Scripts, error) {
	return standinsRan(t.standins, t.scripts)
}

// memory is what the engine's process keeps, after a collection.
func (t *engineTarget) memory() (engineproc.Memory, error) { return t.e.Memory() }

// learnFromEngine returns a learn function that brings r's belief up to
// date from what the engine's monitor read since the last phase.
func learnFromEngine(r *runner, e *engineproc.Engine) func() error {
	return func() error {
		got, err := e.Links()
		if err != nil {
			return err
		}
		r.beliefMu.Lock()
		defer r.beliefMu.Unlock()
		for _, idx := range got.Read {
			r.read[idx] = true
		}
		for idx, up := range got.Belief {
			r.belief[idx] = up
		}
		return nil
	}
}
