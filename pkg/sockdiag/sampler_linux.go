package sockdiag

import (
	"context"
	"sync"
	"time"
)

// Sample is one reading of a socket's queue.
type Sample struct {
	At    time.Time `json:"at"`
	Rmem  uint32    `json:"rmem"`
	Drops uint32    `json:"drops"`
}

// Sampler polls one socket's counters at a fixed interval and keeps the
// high-water mark of its queue and the samples where drops changed.
type Sampler struct {
	read     func() (MemInfo, error)
	interval time.Duration

	mu        sync.Mutex
	highWater uint32
	last      MemInfo
	changes   []Sample
	samples   int
	err       error
}

// NewSampler polls a socket found by inode through NETLINK_SOCK_DIAG in a
// namespace (netnsFD 0: the caller's): the way to watch another process's
// socket.
func NewSampler(netnsFD int, inode uint32, interval time.Duration) *Sampler {
	return &Sampler{interval: interval, read: func() (MemInfo, error) {
		s, ok, err := Find(netnsFD, inode)
		if err != nil || !ok {
			return MemInfo{}, err
		}
		return MemInfo{Rmem: s.Rmem, RcvBuf: s.RcvBuf, Drops: s.Drops}, nil
	}}
}

// NewFDSampler polls a socket the caller holds through SO_MEMINFO: cheaper,
// so it can poll more often.
func NewFDSampler(fd int, interval time.Duration) *Sampler {
	return &Sampler{interval: interval, read: func() (MemInfo, error) { return ReadMemInfo(fd) }}
}

// NewReadSampler polls whatever read returns: for a socket that may be
// replaced while it is watched (a monitor that restarts).
func NewReadSampler(read func() (MemInfo, error), interval time.Duration) *Sampler {
	return &Sampler{interval: interval, read: read}
}

// Run polls until ctx ends: every interval, and FullBackoff times less
// often while the queue is full (see Full).
func (s *Sampler) Run(ctx context.Context) {
	t := time.NewTimer(s.interval)
	defer t.Stop()
	for {
		wait := s.interval
		if Full(s.Poll()) {
			wait *= FullBackoff
		}
		t.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// FullBackoff is how many intervals the sampler waits after a reading
// found the queue full.
const FullBackoff = 10

// fullSlack is how close to its buffer a queue is full: the kernel drops a
// message that does not fit whole, and a link message's truesize is 1.5
// to 2.3 KiB.
const fullSlack = 4 << 10

// Full reports whether a reading found the queue at its buffer: its peak
// can go no higher, so a sampler learns nothing more until it drains, and
// every wake-up then is CPU taken from the daemon draining it (on a
// virtual machine, 30 to 50 us a wake-up whatever the sleep: measured).
func Full(mi MemInfo) bool {
	return mi.RcvBuf > 0 && uint64(mi.Rmem)+fullSlack >= uint64(mi.RcvBuf)
}

// Poll takes one reading now and returns it (zero when the read failed:
// see Err).
func (s *Sampler) Poll() MemInfo {
	mi, err := s.read()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err = err
		return MemInfo{}
	}
	s.samples++
	s.highWater = max(s.highWater, mi.Rmem)
	if mi.Drops != s.last.Drops || s.samples == 1 {
		s.changes = append(s.changes, Sample{At: time.Now(), Rmem: mi.Rmem, Drops: mi.Drops})
	}
	s.last = mi
	return mi
}

// HighWater is the largest queue seen, bytes of truesize.
func (s *Sampler) HighWater() uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.highWater
}

// ResetHighWater starts a new high-water mark (per flap).
func (s *Sampler) ResetHighWater() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.highWater = 0
}

// Last is the latest reading.
func (s *Sampler) Last() MemInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// DropChanges are the samples at which sk_drops changed: drops over time.
func (s *Sampler) DropChanges() []Sample {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Sample(nil), s.changes...)
}

// Err is the last polling error, if any.
func (s *Sampler) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}
