package churn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Generator changes one kind of object at a steady rate until stopped.
type Generator struct {
	kind Kind
	rate int
	link uint32
	conn *rtnetlink.Conn

	cancel context.CancelFunc
	done   chan struct{}
	stats  Stats
	err    error
	once   sync.Once
}

// pace is how often a generator wakes to make the changes it owes.
const pace = time.Millisecond

// Start dials rtnetlink in the namespace netnsFD and starts making rate
// changes of kind per second to objects on the link link (an ifindex in
// that namespace), until Stop.
func Start(netnsFD int, kind Kind, rate int, link uint32) (*Generator, error) {
	if rate < 1 || rate > MaxRate {
		return nil, fmt.Errorf("%s churn at %d/s: want 1 to %d changes per second", kind, rate, MaxRate)
	}
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: netnsFD})
	if err != nil {
		return nil, fmt.Errorf("%s churn: dial rtnetlink: %w", kind, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &Generator{kind: kind, rate: rate, link: link, conn: c, cancel: cancel, done: make(chan struct{})}
	go g.run(ctx)
	return g, nil
}

// Stop stops the generator, removes every object it left in place, and
// returns what it did. A change the kernel refused for a reason other than
// the object's state (the link gone, no memory) is its error.
func (g *Generator) Stop() (Stats, error) {
	g.once.Do(func() {
		g.cancel()
		<-g.done
		first, last := left(g.stats.Changes)
		for slot := first; slot < last; slot++ {
			err := g.change(slot, false)
			if err != nil && !benign(err) {
				g.err = errors.Join(g.err, fmt.Errorf("%s churn: clear: %w", g.kind, err))
			}
			if err == nil {
				g.stats.Cleared++
			}
		}
		if err := g.conn.Close(); err != nil {
			g.err = errors.Join(g.err, fmt.Errorf("%s churn: close: %w", g.kind, err))
		}
	})
	return g.stats, g.err
}

// run makes the changes owed at each tick: rate times the time since the
// start, less those made.
func (g *Generator) run(ctx context.Context) {
	defer close(g.done)
	start := time.Now()
	tick := time.NewTicker(pace)
	defer tick.Stop()
	g.stats = Stats{Kind: g.kind, Asked: g.rate}
	defer func() {
		g.stats.Elapsed = time.Since(start)
		if g.stats.Elapsed > 0 {
			g.stats.Achieved = float64(g.stats.Changes) / g.stats.Elapsed.Seconds()
		}
	}()
	for {
		owed := due(g.rate, time.Since(start))
		for g.stats.Changes < owed {
			if ctx.Err() != nil {
				return
			}
			slot, add := step(g.stats.Changes)
			err := g.change(slot, add)
			g.stats.Changes++
			if err != nil {
				if g.stats.Errors == 0 {
					verb := "remove"
					if add {
						verb = "add"
					}
					g.stats.FirstError = fmt.Sprintf("%s of slot %d: %v", verb, slot, err)
				}
				g.stats.Errors++
				if !benign(err) {
					g.err = fmt.Errorf("%s churn: %w", g.kind, err)
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// benign are the refusals that say an object was already there or
// already gone: counted, not fatal.
func benign(err error) bool {
	return errors.Is(err, unix.EEXIST) || errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) || errors.Is(err, unix.EADDRNOTAVAIL)
}

// change adds or removes the object in slot.
func (g *Generator) change(slot int, add bool) error {
	switch g.kind {
	case Route:
		m := &rtnetlink.RouteMessage{
			Family: unix.AF_INET, DstLength: 32, Protocol: unix.RTPROT_STATIC, Scope: unix.RT_SCOPE_LINK, Type: unix.RTN_UNICAST,
			Attributes: rtnetlink.RouteAttributes{Dst: slotAddr(203, 0, 113, slot).AsSlice(), OutIface: g.link, Table: Table},
		}
		if add {
			return g.conn.Route.Add(m)
		}
		return g.conn.Route.Delete(m)
	case Neigh:
		m := &rtnetlink.NeighMessage{
			Family: unix.AF_INET, Index: g.link, State: unix.NUD_PERMANENT,
			Attributes: &rtnetlink.NeighAttributes{Address: slotAddr(198, 51, 100, slot).AsSlice(), LLAddress: net.HardwareAddr{0x02, 0, 0, 0, 0, byte(slot + 1)}},
		}
		if add {
			return g.conn.Neigh.New(m)
		}
		// rtnetlink's NeighService.Delete sends no entry: ask directly.
		_, err := g.conn.Execute(m, unix.RTM_DELNEIGH, netlink.Request|netlink.Acknowledge)
		return err
	case Addr:
		a := slotAddr(192, 0, 2, slot)
		m := &rtnetlink.AddressMessage{
			Family: unix.AF_INET, PrefixLength: 32, Scope: unix.RT_SCOPE_UNIVERSE, Index: g.link,
			Attributes: &rtnetlink.AddressAttributes{Address: a.AsSlice(), Local: a.AsSlice()},
		}
		if add {
			return g.conn.Address.New(m)
		}
		return g.conn.Address.Delete(m)
	}
	return fmt.Errorf("unknown churn kind %q", g.kind)
}

// slotAddr is a.b.c.(slot+1): never .0, and .255 is not reached.
func slotAddr(a, b, c byte, slot int) netip.Addr {
	return netip.AddrFrom4([4]byte{a, b, c, byte(slot + 1)})
}
