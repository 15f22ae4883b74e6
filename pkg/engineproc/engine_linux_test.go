package engineproc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

func TestMain(m *testing.M) {
	Main() // this test binary is also the engine's child
	os.Exit(m.Run())
}

// engineLab builds a lab of n instances (VRRPv3 at 100 ms) and returns it
// with the subject's instances at priority prio.
func engineLab(t *testing.T, n int, prio uint8) (*lab.Lab, []vrrp.InstanceSpec) {
	t.Helper()
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: n, Family: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Teardown(); err != nil {
			t.Error(err)
		}
	})
	var specs []vrrp.InstanceSpec
	for _, in := range l.Instances {
		ifc := l.Interfaces[in.Interface]
		specs = append(specs, vrrp.InstanceSpec{
			Config: vrrp.Config{VRID: in.VRID, Priority: prio, Version: 3, AdvertisementInterval: 100 * time.Millisecond,
				Preempt: true, Primary: ifc.Subject.Addr(), Addrs: []netip.Addr{lab.VIP(4, in.Index, 0, 1)}},
			Interface: ifc.Index,
		})
	}
	return l, specs
}

func startEngine(t *testing.T, l *lab.Lab, spec Spec) *Engine {
	t.Helper()
	e, err := Start(l.Subject.NS, l.Dir(), spec)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Stop(time.Second) })
	return e
}

func waitAll(t *testing.T, e *Engine, s vrrp.State) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.WaitAll(ctx, s); err != nil {
		t.Fatal(err)
	}
}

// TestEngineFlap runs the engine in its own process through a flap of its
// link: its states, what its monitor read, a marker, its counters, and a
// clean stop.
func TestEngineFlap(t *testing.T) {
	l, specs := engineLab(t, 4, 200)
	e := startEngine(t, l, Spec{Instances: specs, RcvBuf: 1 << 20, Force: true})
	if e.PID() == os.Getpid() || e.Socket().Inode == 0 || e.Socket().Effective < 1<<20 {
		t.Fatalf("engine pid %d (ours %d), socket %+v", e.PID(), os.Getpid(), e.Socket())
	}
	waitAll(t, e, vrrp.Master)
	if _, err := e.Links(); err != nil { // forget what convergence read
		t.Fatal(err)
	}

	eth := l.Interfaces[0]
	links := flap.Links{Conn: l.Subject.Conn, Names: []string{eth.Name}, Indexes: []uint32{eth.Index}}
	if _, err := links.Set(false); err != nil {
		t.Fatal(err)
	}
	waitAll(t, e, vrrp.Fault)
	got, err := e.Links()
	if err != nil {
		t.Fatal(err)
	}
	if up, ok := got.Belief[eth.Index]; !ok || up || !slices.Contains(got.Read, eth.Index) {
		t.Errorf("after link down: read %v, belief %v; want %d read and believed down", got.Read, got.Belief, eth.Index)
	}
	if _, err := links.Set(true); err != nil {
		t.Fatal(err)
	}
	waitAll(t, e, vrrp.Master)

	mk, err := nlmon.OpenMarker(l.Subject.NS.Fd())
	if err != nil {
		t.Fatal(err)
	}
	defer mk.Close()
	k, err := mk.Send()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	at, err := e.WaitMarker(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if at.Markers != 1 || at.Messages < 2 || at.Drops != 0 {
		t.Errorf("counts at the marker: %+v; want 1 marker, the flap's messages, no drops", at)
	}
	c, err := e.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c.AdvertsSent == 0 || c.LinkEvents < 2 {
		t.Errorf("counters %+v: want adverts sent and the flap's link events", c)
	}
	// Each instance: Backup, Master, Fault, Backup, Master at least.
	if n := len(e.Transitions()); n < 4*len(specs) {
		t.Errorf("%d transitions; want at least %d", n, 4*len(specs))
	}
	// What the engine's runtime keeps: a live heap, within what it has
	// from the system, and its goroutines.
	mem, err := e.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if mem.HeapLive == 0 || mem.HeapLive >= mem.Sys || mem.Goroutines < 2 {
		t.Errorf("memory %+v: want a live heap below what the process holds, and goroutines", mem)
	}

	if err := e.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Counts(); !errors.Is(err, ErrExited) {
		t.Errorf("Counts after Stop: %v; want ErrExited", err)
	}
}

// TestEngineDies: a killed child ends every wait and question with
// ErrExited instead of hanging.
func TestEngineDies(t *testing.T) {
	l, specs := engineLab(t, 2, 200)
	e := startEngine(t, l, Spec{Instances: specs})
	if err := syscall.Kill(e.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := e.WaitAll(ctx, vrrp.Fault); !errors.Is(err, ErrExited) {
		t.Errorf("WaitAll: %v; want ErrExited", err)
	}
	if _, err := e.Stats(); !errors.Is(err, ErrExited) {
		t.Errorf("Stats: %v; want ErrExited", err)
	}
}

// TestEngineStartFails: a spec the engine refuses fails Start with the
// child's own words, and leaves no process behind.
func TestEngineStartFails(t *testing.T) {
	l, specs := engineLab(t, 2, 200)
	specs[1].Config.Priority = 0
	_, err := Start(l.Subject.NS, l.Dir(), Spec{Instances: specs})
	if !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "priority 0") {
		t.Fatalf("Start: %v; want ErrExited quoting the refusal", err)
	}
}

// TestEngineCosts: the router spends its modelled costs in its event
// loop. A link-down that takes n instances to FAULT keeps the loop busy
// n-1 transition costs before the last one is told, and n tracking costs
// (the walk over the link's tracking instances) before the first one is
// (lower bounds; the machine's load only adds to them).
func TestEngineCosts(t *testing.T) {
	const n = 4
	for _, tc := range []struct {
		name  string
		spec  Spec
		bound time.Duration
	}{
		{"transition", Spec{TransitionCost: 25 * time.Millisecond}, (n - 1) * 25 * time.Millisecond},
		{"track", Spec{TrackCost: 10 * time.Millisecond}, n * 10 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, specs := engineLab(t, n, 200)
			tc.spec.Instances = specs
			e := startEngine(t, l, tc.spec)
			waitAll(t, e, vrrp.Master)
			eth := l.Interfaces[0]
			links := flap.Links{Conn: l.Subject.Conn, Names: []string{eth.Name}, Indexes: []uint32{eth.Index}}
			down, err := links.Set(false)
			if err != nil {
				t.Fatal(err)
			}
			waitAll(t, e, vrrp.Fault)
			if took := time.Since(down); took < tc.bound {
				t.Errorf("all %d FAULT %v after the link-down; the %s cost alone is %v", n, took, tc.name, tc.bound)
			}
		})
	}
}

// TestEngineNotify: the engine starts its notify command at every state
// change, with keepalived's arguments.
func TestEngineNotify(t *testing.T) {
	l, specs := engineLab(t, 3, 200)
	dir := t.TempDir()
	out, script := filepath.Join(dir, "notified"), filepath.Join(dir, "notify")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$*\" >> "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	e := startEngine(t, l, Spec{Instances: specs, Notify: []string{script, "notify"}})
	waitAll(t, e, vrrp.Master)
	eth := l.Interfaces[0]
	links := flap.Links{Conn: l.Subject.Conn, Names: []string{eth.Name}, Indexes: []uint32{eth.Index}}
	if _, err := links.Set(false); err != nil {
		t.Fatal(err)
	}
	waitAll(t, e, vrrp.Fault)
	var want []string
	for _, tr := range e.Transitions() {
		want = append(want, fmt.Sprintf("notify INSTANCE VI_%d %s 200", tr.Instance+1, tr.To))
	}
	// The commands run after the engine starts them: wait for the last.
	var got []string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(out)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		got = nil
		if text := strings.TrimSpace(string(b)); text != "" {
			got = strings.Split(text, "\n")
		}
		if len(got) >= len(want) {
			break
		}
	}
	slices.Sort(got) // the commands run side by side: their order is the scheduler's
	slices.Sort(want)
	if len(want) < 3*len(specs) || !slices.Equal(got, want) {
		t.Fatalf("notify ran with\n%s\nwant one run per transition (at least 3 per instance):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEngineNotifyMissing: a notify command that cannot start is said in
// the engine's log, and the engine runs on.
func TestEngineNotifyMissing(t *testing.T) {
	l, specs := engineLab(t, 1, 200)
	missing := filepath.Join(t.TempDir(), "missing")
	e := startEngine(t, l, Spec{Instances: specs, Notify: []string{missing}})
	waitAll(t, e, vrrp.Master)
	if err := e.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if words := e.LastWords(); !strings.Contains(words, "notify "+missing+": no such file or directory") {
		t.Fatalf("the engine's log says %q; want the notify that did not start", words)
	}
}
