package flap

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// QuietPoll is how often a Quiet looks for arrivals.
const QuietPoll = 10 * time.Millisecond

// Arrivals reports whether any message reached a socket since it was
// last asked.
type Arrivals func() (bool, error)

// QueueGrowth is the Arrivals of a socket that does not read while it is
// watched (the oracle's), from its queue read through read: the queue
// growing, or its drops, is an arrival; the queue shrinking is its owner
// reading and is not.
func QueueGrowth(read func() (sockdiag.MemInfo, error)) Arrivals {
	var last sockdiag.MemInfo
	return func() (bool, error) {
		mi, err := read()
		if err != nil {
			return false, err
		}
		arrived := mi.Rmem > last.Rmem || mi.Drops != last.Drops
		last = mi
		return arrived, nil
	}
}

// Drained is the Arrivals of a socket of the watcher's own, which it
// reads out at each look: any datagram, or a drop (an overrun is one, and
// the socket reads on), is an arrival.
func Drained(s *nlmon.Socket) Arrivals {
	buf := make([]byte, 32<<10)
	var drops uint32
	return func() (bool, error) {
		arrived := false
		for {
			n, err := s.TryRead(buf)
			if errors.Is(err, unix.ENOBUFS) {
				arrived = true
				continue
			}
			if err != nil {
				return false, fmt.Errorf("drain: %w", err)
			}
			if n == 0 {
				break
			}
			arrived = true
		}
		mi, err := s.MemInfo()
		if err != nil {
			return false, err
		}
		arrived = arrived || mi.Drops != drops
		drops = mi.Drops
		return arrived, nil
	}
}

// Quiet follows when the last netlink message reached any of its
// sockets, so that a flap can wait until the lab has been quiet for a
// while without having watched the whole while itself.
type Quiet struct {
	sources []Arrivals

	mu   sync.Mutex
	last time.Time // the last arrival seen
	err  error
}

// NewQuiet returns a Quiet over sources. It follows nothing until Run.
func NewQuiet(sources ...Arrivals) *Quiet {
	return &Quiet{sources: sources, last: time.Now()}
}

// Run looks at every source each QuietPoll until ctx ends or a look
// fails, which it returns (and Wait returns from then on).
func (q *Quiet) Run(ctx context.Context) error {
	tick := time.NewTicker(QuietPoll)
	defer tick.Stop()
	for {
		arrived, err := q.look()
		now := time.Now()
		q.mu.Lock()
		if err != nil {
			q.err = err
			q.mu.Unlock()
			return err
		}
		if arrived {
			q.last = now
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// look asks every source (each must be asked, to keep its own state).
func (q *Quiet) look() (bool, error) {
	seen := false
	for _, src := range q.sources {
		arrived, err := src()
		if err != nil {
			return false, err
		}
		seen = seen || arrived
	}
	return seen, nil
}

// Since is how long ago the last arrival was seen.
func (q *Quiet) Since() (time.Duration, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return time.Since(q.last), q.err
}

// Wait waits until no message has arrived for quiet, or until limit has
// passed, and says which: true for quiet.
func (q *Quiet) Wait(ctx context.Context, quiet, limit time.Duration) (bool, error) {
	deadline := time.Now().Add(limit)
	for {
		since, err := q.Since()
		if err != nil {
			return false, err
		}
		if since >= quiet {
			return true, nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			return false, nil
		}
		t := time.NewTimer(min(quiet-since, left) + QuietPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return false, ctx.Err()
		case <-t.C:
		}
	}
}
