package nlmon

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// vmacLab builds the incident's lab: 255 VMAC macvlans on eth2.
func vmacLab(t testing.TB) (*lab.Lab, uint32) {
	t.Helper()
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 255, VMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	return l, l.Interfaces[0].Index
}

// flap sets eth2 down or up and waits, with a deadline, until every link
// on it has reached the matching operational state, so that the kernel's
// asynchronous (linkwatch) notifications have all been sent.
func flap(t testing.TB, l *lab.Lab, index uint32, up bool) {
	t.Helper()
	if err := lab.SetLink(l.Subject.Conn, index, up); err != nil {
		t.Fatal(err)
	}
	want := rtnetlink.OperStateUp
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		links, err := l.Subject.Conn.Link.List()
		if err != nil {
			t.Fatal(err)
		}
		settled := 0
		for _, m := range links {
			if m.Index == 1 {
				continue
			}
			if (m.Attributes.OperationalState == want) == up {
				settled++
			}
		}
		if settled == len(links)-1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("links did not settle %v within 10s (%d of %d)", up, settled, len(links)-1)
		}
	}
}

// running starts m.Run with h and stops it at cleanup.
func running(t *testing.T, m *Monitor, h Handler) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("monitor: %v", err)
		}
	})
}

// waitBalance collects the oracle until its cumulative count equals what
// the monitor received plus what the kernel dropped for it, and the
// monitor's queue is empty; it fails at the deadline with the figures.
func waitBalance(t *testing.T, o *Oracle, m *Monitor, total *Storm) (received uint64, dropped uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		st, err := o.Collect()
		if err != nil {
			t.Fatal(err)
		}
		total.Add(st)
		mi, err := m.Socket().MemInfo()
		if err != nil {
			t.Fatal(err)
		}
		// Drops counts the sockets a restart closed too.
		if dropped, err = m.Drops(); err != nil {
			t.Fatal(err)
		}
		received = m.Stats().Messages
		if mi.Rmem == 0 && total.Messages == received+dropped {
			return received, dropped
		}
		if time.Now().After(deadline) {
			t.Fatalf("books do not balance: oracle %d != monitor %d + sk_drops %d (queue %d bytes)",
				total.Messages, received, dropped, mi.Rmem)
		}
	}
	return
}

// gate holds a monitor's reader inside its handler while it is shut, as a
// daemon busy elsewhere (its timers, its scripts) holds its event loop.
// A storm that arrives while it is shut overruns any buffer smaller than
// the storm: loss is then certain, not a matter of how the reader and
// linkwatch happen to interleave.
type gate struct {
	mu   sync.Mutex
	open chan struct{}
}

// shut makes the next handler call wait until reopen.
func (g *gate) shut() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = make(chan struct{})
}

// reopen lets the reader go on; it does nothing on an open gate.
func (g *gate) reopen() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.open != nil {
		close(g.open)
		g.open = nil
	}
}

// handle is the monitor's Handler: it waits while the gate is shut.
func (g *gate) handle(*Event) {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	if open != nil {
		<-open
	}
}

// TestBooksBalanceSmallBuffer: a 128 KiB monitor whose reader is held
// while a 255-VMAC flap's storm (about 590 KB each way) arrives loses most
// of it, every time; the books balance exactly (oracle = received +
// sk_drops) and one ENOBUFS episode hides many drops.
func TestBooksBalanceSmallBuffer(t *testing.T) {
	l, eth2 := vmacLab(t)
	o, err := OpenOracle(l.Subject.NS.Fd(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	s, err := Open(Config{NetNS: l.Subject.NS.Fd(), RcvBuf: 64 * bytesize.KiB, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	m := NewMonitor(s, 0, PolicyNone)
	var g gate
	running(t, m, g.handle)
	// Cleanups run last first: the gate opens before the monitor is
	// stopped, which a held reader would never notice.
	t.Cleanup(g.reopen)

	var total Storm
	for i := range 3 {
		// Both storms arrive while the reader is held: flap waits until
		// every link has its new state, that is until linkwatch has sent
		// every message.
		g.shut()
		flap(t, l, eth2, false)
		flap(t, l, eth2, true)
		g.reopen()
		received, dropped := waitBalance(t, o, m, &total)
		st := m.Stats()
		t.Logf("after flap %d: oracle %d = monitor %d + sk_drops %d; ENOBUFS %d; truesize so far %d",
			i+1, total.Messages, received, dropped, st.ENOBUFS, total.Truesize)
		if dropped == 0 {
			t.Fatalf("flap %d: a held 128 KiB monitor lost nothing of a 255-VMAC storm (%d bytes so far)", i+1, total.Truesize)
		}
		if st.ENOBUFS == 0 || st.ENOBUFS >= uint64(dropped) {
			t.Fatalf("flap %d: ENOBUFS %d, sk_drops %d: want 0 < ENOBUFS < drops (one episode hides many drops)", i+1, st.ENOBUFS, dropped)
		}
	}
	if total.OracleDrops != 0 {
		t.Fatalf("the oracle itself dropped %d messages", total.OracleDrops)
	}
	t.Logf("oracle by type: %v", total.ByType)
	// Every VMAC reports at least one state change per flap; linkwatch may
	// fold a down and an up of the same link into one message.
	if total.ByType["RTM_NEWLINK"] < 3*255 {
		t.Fatalf("oracle saw %d RTM_NEWLINK in 3 flaps of 255 VMACs, want at least %d", total.ByType["RTM_NEWLINK"], 3*255)
	}
}

// TestRestartCountsNothingTwice: with --on-overrun restart the monitor
// replaces its socket while the storm is still arriving. The old socket
// leaves before the new one joins, so no message is counted by both
// (received + dropped > sent, the defect this guards against); what
// arrives in the few microseconds between is lost to both, as in a real
// restart, and is the only difference the books may show.
//
// The books are closed on the monitor's counters first and the oracle's
// after: every message the monitor counted (read, or dropped while it was
// still reading the storm: linkwatch and addrconf go on after the links
// settle) was broadcast before the oracle's closing marker, so the
// oracle's count up to that marker is never short of it.
func TestRestartCountsNothingTwice(t *testing.T) {
	l, eth2, o, mk, m := markerRig(t, 16*bytesize.KiB, 200*time.Microsecond, PolicyRestart)
	var sent, gap uint64
	for i := range 3 {
		flap(t, l, eth2, false)
		flap(t, l, eth2, true)
		// The reader has been through the flap: a marker it must see,
		// sent again when a still congested socket drops it.
		for attempt := 0; ; attempt++ {
			k, err := mk.Send()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err = m.WaitMarker(ctx, k)
			cancel()
			if err == nil {
				break
			}
			if attempt == 5 {
				t.Fatal(err)
			}
		}
		at, err := m.Counts()
		if err != nil {
			t.Fatal(err)
		}
		k, err := mk.Send()
		if err != nil {
			t.Fatal(err)
		}
		st, err := o.CollectUntil(k)
		if err != nil {
			t.Fatal(err)
		}
		sent += st.Messages
		// Markers sent before the counters were read and not read by the
		// monitor were dropped by a congested socket (in sk_drops) or
		// lost between leave and join (in neither): taking all of them
		// from sk_drops can only make dropped smaller.
		received, dropped := at.Messages, at.Drops-min(at.Drops, uint64(k-1)-at.Markers)
		t.Logf("after flap %d: oracle %d, monitor %d + sk_drops %d; restarts %d", i+1, sent, received, dropped, m.Stats().Restarts)
		if received+dropped > sent {
			t.Fatalf("flap %d: counted twice: received %d + dropped %d > sent %d", i+1, received, dropped, sent)
		}
		gap = sent - received - dropped
	}
	if m.Stats().Restarts == 0 {
		t.Fatal("no restart happened: the test storm is too small for the buffer")
	}
	t.Logf("lost between leave and join over %d restarts: %d messages", m.Stats().Restarts, gap)
}

func TestBooksBalanceLargeBufferLosesNothing(t *testing.T) {
	l, eth2 := vmacLab(t)
	o, err := OpenOracle(l.Subject.NS.Fd(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	s, err := Open(Config{NetNS: l.Subject.NS.Fd(), RcvBuf: 2 * bytesize.MiB, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	m := NewMonitor(s, 0, PolicyNone)
	running(t, m, nil)
	var total Storm
	for range 2 {
		flap(t, l, eth2, false)
		flap(t, l, eth2, true)
		received, dropped := waitBalance(t, o, m, &total)
		if dropped != 0 || m.Stats().ENOBUFS != 0 || total.Messages != received {
			t.Fatalf("4 MiB buffer: oracle %d, monitor %d, drops %d, ENOBUFS %d; want no loss",
				total.Messages, received, dropped, m.Stats().ENOBUFS)
		}
	}
}

// linkState tracks what a consumer believes about one link.
type linkState struct {
	mu    sync.Mutex
	index uint32
	up    bool
	seen  int
}

func (ls *linkState) handle(ev *Event) {
	if ev.Type != TypeNewLink || ev.Index != ls.index {
		return
	}
	ls.mu.Lock()
	ls.up = ev.LinkUp()
	ls.seen++
	ls.mu.Unlock()
}

func (ls *linkState) get() (bool, int) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.up, ls.seen
}

// TestOverrunPolicies shows the incident and its cure: with a tiny buffer
// that is not read during the storm, the final "eth2 up" is dropped. Policy
// none keeps believing eth2 is down; resync and restart learn the truth.
func TestOverrunPolicies(t *testing.T) {
	for _, p := range []Policy{PolicyNone, PolicyResync, PolicyRestart} {
		t.Run(string(p), func(t *testing.T) {
			l, eth2 := vmacLab(t)
			s, err := Open(Config{NetNS: l.Subject.NS.Fd(), RcvBuf: 4 * bytesize.KiB, Force: true})
			if err != nil {
				t.Fatal(err)
			}
			m := NewMonitor(s, 0, p)
			t.Cleanup(func() { m.Socket().Close() })
			// The storm happens while the consumer is busy elsewhere.
			flap(t, l, eth2, false)
			flap(t, l, eth2, true)
			mi, err := s.MemInfo()
			if err != nil {
				t.Fatal(err)
			}
			if mi.Drops == 0 {
				t.Fatalf("nothing dropped with a %d-byte buffer", s.Effective())
			}
			ls := &linkState{index: eth2, up: true}
			running(t, m, ls.handle)
			deadline := time.After(10 * time.Second)
			tick := time.NewTicker(2 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-deadline:
					up, seen := ls.get()
					t.Fatalf("policy %s: consumer never settled: up=%v after %d eth2 events, stats %+v", p, up, seen, m.Stats())
				case <-tick.C:
				}
				up, seen := ls.get()
				st := m.Stats()
				qi, _ := m.Socket().MemInfo()
				if st.ENOBUFS == 0 || qi.Rmem != 0 || seen == 0 {
					continue // still draining
				}
				if p == PolicyNone {
					if up {
						t.Fatalf("policy none learned eth2 is up although the message was dropped")
					}
					if st.Resyncs != 0 {
						t.Fatalf("policy none resynced")
					}
					return
				}
				if st.Resyncs == 0 {
					continue
				}
				if !up {
					t.Fatalf("policy %s resynced (%v) but still believes eth2 is down", p, st.ResyncTime)
				}
				t.Logf("policy %s: recovered the true state in %v", p, st.ResyncTime)
				return
			}
		})
	}
}

func TestEffectiveBuffer(t *testing.T) {
	roottest.Require(t)
	var rmemMax int
	if b, err := readInt("/proc/sys/net/core/rmem_max"); err == nil {
		rmemMax = b
	} else {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		req        bytesize.Size
		force      bool
		want       bytesize.Size
		wantCapped bool
	}{
		{"plain below rmem_max doubles", 64 * bytesize.KiB, false, 128 * bytesize.KiB, false},
		{"plain above rmem_max is capped", bytesize.Size(rmemMax) * 2, false, bytesize.Size(rmemMax) * 2, true},
		{"forced above rmem_max doubles", bytesize.Size(rmemMax) * 2, true, bytesize.Size(rmemMax) * 4, false},
		{"forced incident fix", 1000000, true, 2000000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(Config{RcvBuf: tt.req, Force: tt.force})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			// A capped plain request gets 2 * rmem_max.
			if s.Effective() != tt.want || s.Capped() != tt.wantCapped {
				t.Fatalf("request %d force=%v: effective %d capped=%v; want %d capped=%v",
					tt.req, tt.force, s.Effective(), s.Capped(), tt.want, tt.wantCapped)
			}
		})
	}
}

// TestMarkerClosesWindowExactly: a window closed on a marker counts the
// same messages on the monitor and the oracle, even while the reader is
// still working through a storm (no guess that it is idle), and markers
// are in no count.
func TestMarkerClosesWindowExactly(t *testing.T) {
	// 300 µs a message: the reader is far behind when the marker goes.
	l, eth2, o, mk, m := markerRig(t, 2*bytesize.MiB, 300*time.Microsecond, PolicyNone)
	var oracle uint64
	for i, up := range []bool{false, true, false, true} {
		flap(t, l, eth2, up)
		k, err := mk.Send()
		if err != nil {
			t.Fatal(err)
		}
		behind, _ := m.Socket().MemInfo()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		at, err := m.WaitMarker(ctx, k)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		received, dropped := at.Messages, at.Drops-(uint64(k)-at.Markers)
		st, err := o.CollectUntil(k)
		if err != nil {
			t.Fatal(err)
		}
		oracle += st.Messages
		t.Logf("window %d: oracle %d = monitor %d + drops %d (reader %d bytes behind at the marker)", i+1, oracle, received, dropped, behind.Rmem)
		if oracle != received+dropped {
			t.Fatalf("window %d: oracle %d != monitor %d + drops %d", i+1, oracle, received, dropped)
		}
		if st.ByType["RTM_1"] != 0 {
			t.Fatalf("the oracle counted markers: %v", st.ByType)
		}
	}
}

// markerRig is the 255-VMAC lab with an oracle, a marker sender and a
// running monitor of the given buffer (forced), cost and policy, all
// closed at cleanup.
func markerRig(t *testing.T, rcvbuf bytesize.Size, cost time.Duration, p Policy) (*lab.Lab, uint32, *Oracle, *Marker, *Monitor) {
	t.Helper()
	l, eth2 := vmacLab(t)
	o, err := OpenOracle(l.Subject.NS.Fd(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	mk, err := OpenMarker(l.Subject.NS.Fd())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mk.Close() })
	s, err := Open(Config{NetNS: l.Subject.NS.Fd(), RcvBuf: rcvbuf, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMonitor(s, cost, p)
	t.Cleanup(func() { m.Socket().Close() })
	running(t, m, nil)
	return l, eth2, o, mk, m
}
