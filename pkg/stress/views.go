package stress

import (
	"context"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// subjectView is how a run sees the router under test: the built-in
// engine directly, keepalived through its notify FIFO.
type subjectView interface {
	stateView
	// Transitions are every state change so far, timestamped.
	Transitions() []vrrp.Transition
}

// counterMark is a monitor's counters at a phase boundary.
type counterMark struct {
	received, enobufs, drops uint64
}

// monitorView is how a run sees the monitor socket under test.
type monitorView interface {
	// mark reads the counters now.
	mark() (counterMark, error)
	// idle reports whether everything queued was read or dropped.
	idle() (bool, error)
	// memInfo is the socket's queue, buffer and drops, for the sampler.
	memInfo() (sockdiag.MemInfo, error)
	// describe fills in what the run knows of the socket.
	describe(m *result.Monitor)
	// inferred says received is oracle minus drops, not counted by a
	// reader nlstress can see.
	inferred() bool
	// waitMarker waits until the reader has read marker k (see
	// nlmon.Marker) and returns its counters as they were then; only
	// monitors whose reads are visible support it.
	waitMarker(ctx context.Context, k uint32) (counterMark, error)
}
