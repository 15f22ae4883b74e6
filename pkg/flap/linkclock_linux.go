package flap

import (
	"fmt"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// linkClockRcvBuf is the link clock's forced buffer request (the kernel
// doubles it): the link messages of 4,080 VMACs, about 2.3 KiB of
// truesize each, with room to spare.
const linkClockRcvBuf = 16 * bytesize.MiB

// LinkClock times the link messages a namespace's kernel sends, to the
// poll (QuietPoll), from a socket of its own joined to the link group
// alone: when each burst of them came and how many it held (Take).
//
// It reads as little as it can while a storm is on: a poll that sees its
// queue grow only notes the time; the queue is read out at the first poll
// that sees it still, and at Take. Its socket is not registered with Go's
// poller (nlmon.Socket), so a message queued to it wakes nobody.
type LinkClock struct {
	s   *nlmon.Socket
	buf []byte

	mu       sync.Mutex
	last     sockdiag.MemInfo
	arrivals []Arrival
	// counted is how many of arrivals were counted by a drain; those
	// after it are polls that saw the queue grow since.
	counted int
	drops   uint32 // the socket's drops at the last Take
}

// OpenLinkClock opens a link clock in the namespace netnsFD. What
// reaches it is timed when its Arrivals is polled (a Quiet's source).
func OpenLinkClock(netnsFD int) (*LinkClock, error) {
	s, err := nlmon.Open(nlmon.Config{NetNS: netnsFD, Groups: []nlmon.Group{nlmon.GroupLink}, RcvBuf: linkClockRcvBuf, Force: true, NoENOBUFS: true})
	if err != nil {
		return nil, fmt.Errorf("link clock: %w", err)
	}
	return &LinkClock{s: s, buf: make([]byte, 64<<10)}, nil
}

// Arrivals is the clock as a Quiet's source: any link message since the
// last poll is an arrival, and is timed.
func (c *LinkClock) Arrivals() Arrivals {
	return func() (bool, error) {
		c.mu.Lock()
		defer c.mu.Unlock()
		mi, err := c.s.MemInfo()
		if err != nil {
			return false, fmt.Errorf("link clock: %w", err)
		}
		grew := mi.Rmem > c.last.Rmem || mi.Drops != c.last.Drops
		c.last = mi
		if grew {
			c.arrivals = append(c.arrivals, Arrival{At: time.Now()})
			return true, nil
		}
		if mi.Rmem > 0 {
			// The burst has paused: count it now.
			return false, c.drain()
		}
		return false, nil
	}
}

// drain reads the socket out and adds the link messages it held to the
// last arrival; arrivals since the last drain that brought none are
// forgotten. c.mu is held.
func (c *LinkClock) drain() error {
	n, err := readLinks(c.s, c.buf)
	if err != nil {
		return fmt.Errorf("link clock: drain: %w", err)
	}
	switch {
	case n == 0:
		// What grew the queue was no link message (nlstress's own
		// markers, NLMSG_NOOPs to the link group): no arrival.
		c.arrivals = c.arrivals[:c.counted]
	case len(c.arrivals) == c.counted:
		// Queued before the clock's first poll: timed now.
		c.arrivals = append(c.arrivals, Arrival{At: time.Now(), Messages: n})
	default:
		c.arrivals[len(c.arrivals)-1].Messages += n
	}
	c.counted = len(c.arrivals)
	mi, err := c.s.MemInfo()
	if err != nil {
		return fmt.Errorf("link clock: %w", err)
	}
	c.last = mi
	return nil
}

// Take returns the bursts since the last Take, timed from start, and
// forgets them. complete is false when the clock's own socket dropped
// messages meanwhile (its counts are then short).
func (c *LinkClock) Take(start time.Time) (bursts []Burst, complete bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.drain(); err != nil {
		return nil, false, err
	}
	bursts = Bursts(start, c.arrivals)
	complete = c.last.Drops == c.drops
	c.arrivals, c.counted, c.drops = c.arrivals[:0], 0, c.last.Drops
	return bursts, complete, nil
}

// Close closes the clock's socket.
func (c *LinkClock) Close() error { return c.s.Close() }

// readLinks reads s out through buf and returns how many link messages
// (RTM_NEWLINK, RTM_DELLINK) it held.
func readLinks(s *nlmon.Socket, buf []byte) (int, error) {
	n := 0
	var ev nlmon.Event
	for {
		k, err := s.TryRead(buf)
		if err != nil || k == 0 {
			return n, err
		}
		_ = nlmon.Messages(buf[:k], func(msg []byte) {
			if ev.Decode(msg) == nil && (ev.Type == nlmon.TypeNewLink || ev.Type == nlmon.TypeDelLink) {
				n++
			}
		})
	}
}
