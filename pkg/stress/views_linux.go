package stress

import (
	"time"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// subjectView is how a run sees the router under test: the built-in
// engine directly, keepalived through its notify FIFO, FRR through vrrpd's
// own report and the wire, an exec target on the wire alone.
type subjectView interface {
	stateView
	// Transitions are every state change so far, timestamped, less the
	// forgotten ones.
	Transitions() []vrrp.Transition
	// Forget drops the transitions before t: a run forgets each flap's
	// once it is judged, so that hours of flapping keep none of them.
	Forget(t time.Time)
}

// monitorView is how a run sees the monitor socket under test: what a
// measuring window needs (flap.Monitor), and more.
type monitorView interface {
	flap.Monitor
	// memInfo is the socket's queue, buffer and drops, for the sampler.
	memInfo() (sockdiag.MemInfo, error)
	// describe fills in what the run knows of the socket.
	describe(m *result.Monitor)
	// inferred says received is oracle minus drops, not counted by a
	// reader nlstress can see.
	inferred() bool
}
