package nlmon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// Handler receives each decoded event. The Event is reused: copy what you
// keep. A handler that blocks stalls the reader, as a busy daemon does.
type Handler func(*Event)

// Monitor reads a Socket the way a single-threaded daemon does: one
// datagram per read, a processing cost per message, and an overrun policy.
// Its counters may be read while it runs.
type Monitor struct {
	// Cost is busy work done per message before the handler runs, modelling
	// a daemon's processing time. It spins; it does not sleep.
	Cost time.Duration
	// Policy is what happens after ENOBUFS.
	Policy Policy

	mu   sync.Mutex // guards sock across restarts
	sock *Socket

	// inRead is set while the reader is blocked in (or entering) read(2):
	// with an empty queue, that means every message so far is handled.
	inRead atomic.Bool
	// closedDrops are the sk_drops of sockets a restart closed.
	closedDrops atomic.Uint64
	restarts    atomic.Uint64
	markers     atomic.Uint64

	reads, messages, bytes, enobufs, resyncs, decodeErrs, discarded atomic.Uint64
	byType                                                          [64]atomic.Uint64
	resyncNanos                                                     atomic.Int64
	lastResync                                                      atomic.Int64

	// marker is the last marker read and atMarker the counters when it
	// was; markerSeen is closed and replaced when it changes.
	markerMu sync.Mutex
	marker   uint32
	atMarker Counts
	// atMarkerErr is the error reading the counters at the marker.
	atMarkerErr error
	markerSeen  chan struct{}
}

// Counts are a monitor's running counters at one instant.
type Counts struct {
	Messages uint64 // notifications received (read, or read and discarded)
	ENOBUFS  uint64 // overrun episodes reported to the reader
	Drops    uint64 // the kernel's sk_drops, as Drops returns it
	// Markers counts the markers read so far. A marker a congested socket
	// dropped is in Drops: the sender's count less this one is how many.
	Markers uint64
}

// Since reports whether c could follow earlier: no counter smaller.
// Counters only grow, so a window's figures (c less earlier) are then
// what happened between the two.
func (c Counts) Since(earlier Counts) bool {
	return c.Messages >= earlier.Messages && c.ENOBUFS >= earlier.ENOBUFS && c.Drops >= earlier.Drops && c.Markers >= earlier.Markers
}

// sawMarker records, on the reader's thread, that marker k was read and
// the counters at that moment: every message queued before the marker is
// in them, none queued after it.
func (m *Monitor) sawMarker(k uint32) {
	m.markers.Add(1)
	// A failed sk_drops read is kept for WaitMarker to return: counters
	// stored as if nothing were counted would make the next window's
	// received wrap around.
	c, err := m.Counts()
	m.markerMu.Lock()
	defer m.markerMu.Unlock()
	m.marker, m.atMarker, m.atMarkerErr = k, c, err
	if m.markerSeen != nil {
		close(m.markerSeen)
		m.markerSeen = nil
	}
}

// WaitMarker blocks until the reader has read marker k (or a later one)
// and returns the counters as they were when it did, or fails when ctx
// ends first.
func (m *Monitor) WaitMarker(ctx context.Context, k uint32) (Counts, error) {
	for {
		m.markerMu.Lock()
		if m.marker >= k {
			defer m.markerMu.Unlock()
			return m.atMarker, m.atMarkerErr
		}
		if m.markerSeen == nil {
			m.markerSeen = make(chan struct{})
		}
		ch := m.markerSeen
		m.markerMu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Counts{}, fmt.Errorf("nlmon: marker %d not read: %w", k, ctx.Err())
		}
	}
}

// NewMonitor reads s with the given cost and policy.
func NewMonitor(s *Socket, cost time.Duration, p Policy) *Monitor {
	if p == "" {
		p = PolicyNone
	}
	return &Monitor{sock: s, Cost: cost, Policy: p}
}

// Socket is the socket being read now (a restart replaces it).
func (m *Monitor) Socket() *Socket {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sock
}

// readBufSize holds the largest rtnetlink notification with room to spare.
const readBufSize = 64 << 10

// Run reads until ctx ends or the socket fails, calling h for each event.
// It returns nil when ctx ends.
func (m *Monitor) Run(ctx context.Context, h Handler) error {
	stop := context.AfterFunc(ctx, func() { m.Socket().Interrupt() })
	defer stop()
	buf := make([]byte, readBufSize)
	var ev Event
	for ctx.Err() == nil {
		if err := m.step(buf, &ev, h); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
	}
	return nil
}

// step reads one datagram and handles its messages, or applies the overrun
// policy. It allocates nothing on the path of a normal notification.
func (m *Monitor) step(buf []byte, ev *Event, h Handler) error {
	m.inRead.Store(true)
	n, err := m.Socket().Read(buf)
	m.reads.Add(1)
	m.inRead.Store(false)
	if err != nil {
		if errors.Is(err, unix.ENOBUFS) {
			m.enobufs.Add(1)
			return m.overrun(h)
		}
		return fmt.Errorf("nlmon: read: %w", err)
	}
	if err := Messages(buf[:n], func(msg []byte) { m.handle(ev, msg, h) }); err != nil {
		m.decodeErrs.Add(1)
	}
	return nil
}

// handle decodes, pays the cost, counts and hands one message on.
func (m *Monitor) handle(ev *Event, msg []byte, h Handler) {
	if err := ev.Decode(msg); err != nil {
		m.decodeErrs.Add(1)
		return
	}
	if ev.Type == nlmsgDone || ev.Type == nlmsgError {
		return
	}
	if ev.Marker != 0 {
		m.sawMarker(ev.Marker)
		return
	}
	m.messages.Add(1)
	m.bytes.Add(uint64(ev.Len))
	if int(ev.Type) < len(m.byType) {
		m.byType[ev.Type].Add(1)
	}
	Spin(m.Cost)
	if h != nil {
		h(ev)
	}
}

// Spin busy-waits for d, as a daemon's CPU work would take: the consumer
// models' cost (a monitor's per message, a router's per transition).
func Spin(d time.Duration) {
	if d <= 0 {
		return
	}
	for t0 := time.Now(); time.Since(t0) < d; {
	}
}

// overrun applies the policy after ENOBUFS. Resync and restart first
// discard what is still queued: it is older than the dump that follows, and
// reading it after the dump would undo what the dump taught.
func (m *Monitor) overrun(h Handler) error {
	switch m.Policy {
	case PolicyResync:
		if err := m.discardQueued(m.Socket()); err != nil {
			return err
		}
		return m.resync(h)
	case PolicyRestart:
		if err := m.restart(); err != nil {
			return err
		}
		return m.resync(h)
	}
	slog.Debug("netlink overrun ignored (policy none)", "enobufs", m.enobufs.Load())
	return nil
}

// restart replaces the socket with a new one, as a daemon that exits on
// ENOBUFS and is restarted does. The old socket leaves its groups before
// the new one joins them, so that no message is queued (and counted) on
// both; the new socket is made before, so that only a few system calls
// separate the leave from the join. What the kernel sends in between
// reaches neither, as in a real restart: the books show it as messages
// neither received nor dropped. Then the old queue is drained (counted as
// received and discarded, as a dying daemon's queue is) and closed, with
// its final sk_drops kept.
func (m *Monitor) restart() (err error) {
	old := m.Socket()
	ns, err := openUnjoined(old.Config())
	if err != nil {
		return fmt.Errorf("nlmon: restart: %w", err)
	}
	defer func() {
		if err != nil {
			ns.Close()
		}
	}()
	if err := old.leave(); err != nil {
		return fmt.Errorf("nlmon: restart: %w", err)
	}
	if err := ns.join(); err != nil {
		return fmt.Errorf("nlmon: restart: %w", err)
	}
	m.restarts.Add(1)
	if err := m.discardQueued(old); err != nil {
		return err
	}
	mi, err := old.MemInfo()
	if err != nil {
		return fmt.Errorf("nlmon: restart: %w", err)
	}
	// One step under the lock, so that Drops never sees the old socket's
	// drops twice (or not at all).
	m.mu.Lock()
	m.closedDrops.Add(uint64(mi.Drops))
	m.sock = ns
	m.mu.Unlock()
	old.Close()
	if old.interrupted.Load() {
		ns.Interrupt() // Run was stopped during the restart
	}
	return nil
}

// countDiscarded counts a message received and thrown away unread.
func (m *Monitor) countDiscarded(ev *Event) {
	m.messages.Add(1)
	m.discarded.Add(1)
	m.bytes.Add(uint64(ev.Len))
	if int(ev.Type) < len(m.byType) {
		m.byType[ev.Type].Add(1)
	}
}

// discardQueued reads and drops what is queued on s, counting the messages
// as received (the kernel delivered them) and as discarded.
func (m *Monitor) discardQueued(s *Socket) error {
	buf := make([]byte, readBufSize)
	var ev Event
	for {
		n, err := s.TryRead(buf)
		if errors.Is(err, unix.ENOBUFS) {
			m.enobufs.Add(1)
			continue
		}
		if err != nil {
			return fmt.Errorf("nlmon: discard queue: %w", err)
		}
		if n == 0 {
			return nil
		}
		m.reads.Add(1)
		_ = Messages(buf[:n], func(msg []byte) {
			if ev.Decode(msg) != nil || ev.Type == nlmsgDone || ev.Type == nlmsgError {
				return
			}
			if ev.Marker != 0 {
				m.sawMarker(ev.Marker)
				return
			}
			m.countDiscarded(&ev)
		})
	}
}

// resync dumps links and addresses on a separate request socket in the
// monitor's namespace and feeds them to h as events marked Resync.
func (m *Monitor) resync(h Handler) error {
	t0 := time.Now()
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: m.Socket().Config().NetNS})
	if err != nil {
		return fmt.Errorf("nlmon: resync: dial: %w", err)
	}
	defer c.Close()
	links, err := c.Link.List()
	if err != nil {
		return fmt.Errorf("nlmon: resync: dump links: %w", err)
	}
	addrs, err := c.Address.List()
	if err != nil {
		return fmt.Errorf("nlmon: resync: dump addresses: %w", err)
	}
	var ev Event
	for _, l := range links {
		ev = Event{Type: TypeNewLink, Index: l.Index, Flags: l.Flags, Resync: true}
		if l.Attributes != nil {
			ev.nameLen = uint8(copy(ev.name[:], l.Attributes.Name))
			ev.OperState = uint8(l.Attributes.OperationalState)
		}
		Spin(m.Cost)
		if h != nil {
			h(&ev)
		}
	}
	for _, a := range addrs {
		ev = Event{Type: TypeNewAddr, Index: a.Index, Family: a.Family, PrefixLen: a.PrefixLength, Resync: true}
		if a.Attributes != nil {
			ip := a.Attributes.Local
			if ip == nil {
				ip = a.Attributes.Address
			}
			if v, ok := addrFromIP(ip); ok {
				ev.Addr = v
			}
		}
		Spin(m.Cost)
		if h != nil {
			h(&ev)
		}
	}
	d := time.Since(t0)
	m.resyncs.Add(1)
	m.resyncNanos.Add(int64(d))
	m.lastResync.Store(int64(d))
	return nil
}

// Stats is a snapshot of a monitor's counters.
type Stats struct {
	Reads    uint64            `json:"reads"`    // read system calls
	Messages uint64            `json:"messages"` // notifications received
	Bytes    uint64            `json:"bytes"`    // their netlink length
	ByType   map[string]uint64 `json:"by_type"`  // messages per RTM_* type
	// ENOBUFS counts overrun episodes reported to the reader; one episode
	// can hide hundreds of drops (see the kernel's sk_drops).
	ENOBUFS uint64 `json:"enobufs"`
	// Discarded counts messages received but thrown away unread after an
	// overrun, because the resync dump that followed superseded them.
	Discarded uint64 `json:"discarded"`
	Resyncs   uint64 `json:"resyncs"`
	// Restarts counts sockets replaced by the restart policy.
	Restarts     uint64        `json:"restarts"`
	ResyncTime   time.Duration `json:"resync_time_ns"` // total
	DecodeErrors uint64        `json:"decode_errors"`
}

// Stats returns the counters so far.
func (m *Monitor) Stats() Stats {
	s := Stats{
		Reads: m.reads.Load(), Messages: m.messages.Load(), Bytes: m.bytes.Load(),
		ENOBUFS: m.enobufs.Load(), Resyncs: m.resyncs.Load(), ResyncTime: time.Duration(m.resyncNanos.Load()),
		DecodeErrors: m.decodeErrs.Load(), Discarded: m.discarded.Load(), ByType: map[string]uint64{},
		Restarts: m.restarts.Load(),
	}
	for t := range m.byType {
		if n := m.byType[t].Load(); n > 0 {
			s.ByType[TypeName(uint16(t))] = n
		}
	}
	return s
}

// Counts returns the running counters now: messages, ENOBUFS episodes and
// the kernel's drops (see Drops).
func (m *Monitor) Counts() (Counts, error) {
	c := Counts{Messages: m.messages.Load(), ENOBUFS: m.enobufs.Load(), Markers: m.markers.Load()}
	d, err := m.Drops()
	if err != nil {
		return c, fmt.Errorf("monitor drops: %w", err)
	}
	c.Drops = d
	return c, nil
}

// Drops is the kernel's sk_drops for the monitor: the current socket's,
// plus those of sockets a restart closed.
func (m *Monitor) Drops() (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	mi, err := m.sock.MemInfo()
	if err != nil {
		return 0, err
	}
	return m.closedDrops.Load() + uint64(mi.Drops), nil
}

// Idle reports whether the monitor has handled everything the kernel has
// queued for it: its queue is empty and its reader is waiting in read(2)
// without having read anything since the last look. Callers poll it to
// know that a storm is fully delivered or dropped.
func (m *Monitor) Idle() (bool, error) {
	r0 := m.reads.Load()
	if !m.inRead.Load() {
		return false, nil
	}
	mi, err := m.Socket().MemInfo()
	if err != nil {
		return false, err
	}
	return mi.Rmem == 0 && m.inRead.Load() && m.reads.Load() == r0, nil
}
