package flap

import (
	"context"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// QuietPoll is how often a Quiet reads its socket's queue.
const QuietPoll = 10 * time.Millisecond

// Quiet follows when the last netlink message reached a socket that
// does not read as messages come (the oracle's): the socket's queue
// growing, or its drops, is an arrival; its queue shrinking is its owner
// reading and is not. A flap can then wait until the namespace has been
// quiet for a while without having watched the whole while itself.
type Quiet struct {
	read func() (sockdiag.MemInfo, error)

	mu   sync.Mutex
	last time.Time // the last arrival seen
	mi   sockdiag.MemInfo
	err  error
}

// NewQuiet returns a Quiet that reads the socket's queue through read.
// It follows nothing until Run.
func NewQuiet(read func() (sockdiag.MemInfo, error)) *Quiet {
	return &Quiet{read: read, last: time.Now()}
}

// Run reads the queue every QuietPoll until ctx ends or a read fails,
// which it returns (and Wait returns from then on).
func (q *Quiet) Run(ctx context.Context) error {
	tick := time.NewTicker(QuietPoll)
	defer tick.Stop()
	for {
		mi, err := q.read()
		now := time.Now()
		q.mu.Lock()
		if err != nil {
			q.err = err
			q.mu.Unlock()
			return err
		}
		if mi.Rmem > q.mi.Rmem || mi.Drops != q.mi.Drops {
			q.last = now
		}
		q.mi = mi
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
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
