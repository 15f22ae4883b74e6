package stress

import (
	"context"
	"net/netip"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/vrrp"
)

// wireSubject sees an external daemon only through the peer's ears: an
// instance is MASTER while the peer hears the subject advertise for it at
// a priority above its own, and silent (reported as FAULT) once nothing
// was heard for three advertisement intervals and the skew.
type wireSubject struct {
	from    map[netip.Addr]bool
	silence time.Duration
	poll    time.Duration
	now     func() time.Time // the clock, injected for tests

	mu          sync.Mutex
	last        []time.Time
	master      []bool
	transitions []vrrp.Transition
}

// newWireObserver watches n instances advertised from the addresses in
// from: MASTER from the first advert above the peer's priority, FAULT after
// silence without one. poll is how often WaitAll looks; now is the clock.
func newWireObserver(n int, from []netip.Addr, silence, poll time.Duration, now func() time.Time) *wireSubject {
	w := &wireSubject{from: map[netip.Addr]bool{}, silence: silence, poll: poll, now: now,
		last: make([]time.Time, n), master: make([]bool, n)}
	for _, a := range from {
		w.from[a] = true
	}
	return w
}

// observe is the peer router's hook: called for every advert it accepts.
func (w *wireSubject) observe(i int, h vrrp.Heard) {
	if !w.from[h.From] || h.Priority <= peerPriority {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.master[i] {
		w.master[i] = true
		w.transitions = append(w.transitions, vrrp.Transition{At: h.At, Instance: i, From: vrrp.Fault, To: vrrp.Master})
	}
	w.last[i] = h.At
}

// refresh turns instances silent for too long into FAULT; w.mu is held.
func (w *wireSubject) refresh(now time.Time) {
	for i := range w.master {
		if w.master[i] && now.Sub(w.last[i]) > w.silence {
			w.master[i] = false
			w.transitions = append(w.transitions, vrrp.Transition{At: w.last[i].Add(w.silence), Instance: i, From: vrrp.Master, To: vrrp.Fault})
		}
	}
}

func (w *wireSubject) States() []vrrp.State {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refresh(w.now())
	out := make([]vrrp.State, len(w.master))
	for i, m := range w.master {
		out[i] = vrrp.Fault
		if m {
			out[i] = vrrp.Master
		}
	}
	return out
}

func (w *wireSubject) Transitions() []vrrp.Transition {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refresh(w.now())
	return append([]vrrp.Transition(nil), w.transitions...)
}

func (w *wireSubject) Forget(t time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.transitions = vrrp.Since(w.transitions, t)
}

// WaitAll polls: silence is the passing of time, not an event.
func (w *wireSubject) WaitAll(ctx context.Context, s vrrp.State) error {
	return pollAll(ctx, w.States, s, w.poll, "instances", "on the wire")
}
