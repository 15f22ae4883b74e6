package flap

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// Each window of a flap of 64 VMACs closes, on a marker or on the queue;
// on a marker the monitor counts (received + dropped) exactly what the
// oracle counts, with a buffer that loses most of the storm: the reader is
// held while each storm arrives, so that loss is certain, not a matter of
// how the reader and linkwatch interleave.
func TestWindowsBalanceAroundFlaps(t *testing.T) {
	roottest.Require(t)
	for _, withMarker := range []bool{true, false} {
		name := "closed on the queue"
		if withMarker {
			name = "closed on a marker"
		}
		t.Run(name, func(t *testing.T) {
			l, err := lab.Build(context.Background(), lab.Spec{Instances: 64, VMAC: true})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Teardown() })
			o, err := nlmon.OpenOracle(l.Subject.NS.Fd(), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { o.Close() })
			s, err := nlmon.Open(nlmon.Config{NetNS: l.Subject.NS.Fd(), RcvBuf: 16 * bytesize.KiB, Force: true})
			if err != nil {
				t.Fatal(err)
			}
			m := nlmon.NewMonitor(s, 100*time.Microsecond, nlmon.PolicyNone)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			// The handler waits while hold holds an open channel.
			var hold atomic.Pointer[chan struct{}]
			release := func() {
				if c := hold.Swap(nil); c != nil {
					close(*c)
				}
			}
			go func() {
				done <- m.Run(ctx, func(*nlmon.Event) {
					if c := hold.Load(); c != nil {
						<-*c
					}
				})
			}()
			t.Cleanup(func() { release(); cancel(); <-done; s.Close() })
			w := &Window{Oracle: o, Monitor: m}
			if withMarker {
				mk, err := nlmon.OpenMarker(l.Subject.NS.Fd())
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { mk.Close() })
				w.Marker = mk
			}
			links := Links{Conn: l.Subject.Conn, Names: []string{l.Interfaces[0].Name}, Indexes: []uint32{l.Interfaces[0].Index}}
			last, _, err := w.Close(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			lost := uint64(0)
			for _, up := range []bool{false, true, false, true} {
				c := make(chan struct{})
				hold.Store(&c)
				before := time.Now()
				at, err := links.Set(up)
				if err != nil {
					t.Fatal(err)
				}
				// Held until the kernel drops: the storm is about four
				// times the buffer.
				if err := waitDrops(m, last.Drops); err != nil {
					t.Fatalf("up=%v: %v", up, err)
				}
				release()
				if at.Before(before) || time.Since(at) > time.Minute {
					t.Fatalf("Set's instant %v is not when it ran (%v)", at, before)
				}
				now, storm, err := w.Close(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				got, dropped := now.Messages-last.Messages, now.Drops-last.Drops
				if storm.Messages == 0 {
					t.Fatalf("up=%v: the oracle saw no storm", up)
				}
				// On a marker the window is exact. On the queue alone it
				// is what an outside daemon gets: its received is
				// inferred, and a message the reader holds while its
				// queue looks empty can fall into the next window.
				if withMarker && storm.Messages != got+dropped {
					t.Fatalf("up=%v: oracle %d, monitor %d + dropped %d", up, storm.Messages, got, dropped)
				}
				lost += dropped
				last = now
			}
			if lost == 0 {
				t.Fatal("a 16 KiB buffer lost nothing: the test storm is too small")
			}
		})
	}
}

// waitDrops waits, up to 10 s, for the monitor's socket to drop more than
// since.
func waitDrops(m *nlmon.Monitor, since uint64) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, err := m.Drops()
		if err != nil || d > since {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("a held reader's 16 KiB buffer dropped nothing in 10 s: the storm is too small (%d drops so far)", d)
		}
		time.Sleep(time.Millisecond)
	}
}
