package vrrp

import (
	"context"
	"fmt"
	"time"

	"github.com/nlstress/nlstress/pkg/nlmon"
)

// hear notes the last advertisement an instance received, and wakes the
// waiters when the sender or its priority changed.
func (r *Router) hear(a rxAdvert) {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.heard[a.inst]
	r.heard[a.inst] = Heard{At: a.at, Priority: a.p.Priority, From: a.from}
	if prev.At.IsZero() || prev.Priority != a.p.Priority || prev.From != a.from {
		r.wake()
	}
}

// wake wakes the waiters; r.mu is held.
func (r *Router) wake() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// record notes a transition and wakes the waiters.
func (r *Router) record(t Transition) {
	r.mu.Lock()
	r.states[t.Instance] = t.To
	if !r.cfg.NoHistory {
		r.transitions = append(r.transitions, t)
	}
	r.wake()
	r.mu.Unlock()
	if r.cfg.OnTransition != nil {
		r.cfg.OnTransition(t)
	}
	nlmon.Spin(r.cfg.TransitionCost)
}

// States returns every instance's current state, by instance.
func (r *Router) States() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]State(nil), r.states...)
}

// Transitions returns every transition so far, in order.
func (r *Router) Transitions() []Transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Transition(nil), r.transitions...)
}

// Forget drops the transitions before t (see Since).
func (r *Router) Forget(t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.transitions = Since(r.transitions, t)
}

// Heard returns, by instance, the last advertisement each one received.
func (r *Router) Heard() []Heard {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Heard(nil), r.heard...)
}

// Wait blocks until cond holds for the instances' states and what they
// last heard, or until ctx ends or the router stops. cond runs under the
// router's lock: it must not call the router.
func (r *Router) Wait(ctx context.Context, cond func(states []State, heard []Heard) bool) error {
	for {
		r.mu.Lock()
		ok := cond(r.states, r.heard)
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("router %s: %w", r.cfg.Name, ctx.Err())
		case <-r.done:
			return fmt.Errorf("router %s: stopped", r.cfg.Name)
		}
	}
}

// WaitAll blocks until every instance is in state s, and returns nil, or
// until ctx ends, and returns an error saying how many were not.
func (r *Router) WaitAll(ctx context.Context, s State) error {
	missing := 0
	err := r.Wait(ctx, func(states []State, _ []Heard) bool {
		missing = 0
		for _, st := range states {
			if st != s {
				missing++
			}
		}
		return missing == 0
	})
	if err != nil {
		return fmt.Errorf("%d of %d instances not %s: %w", missing, len(r.inst), s, err)
	}
	return nil
}

// Counters returns the router's totals so far.
func (r *Router) Counters() Counters {
	c := Counters{
		AdvertsSent: r.sent.Load(), AdvertsReceived: r.received.Load(), SendErrors: r.sendErrs.Load(),
		NetlinkRequests: r.act.requests.Load(), NetlinkErrors: r.act.errors.Load(), NetlinkESRCH: r.act.esrch.Load(),
		LinkEvents: r.linkEvents.Load(), Discarded: map[string]uint64{}, AddrListMismatch: r.addrMismatch.Load(),
	}
	c.LastSendError, _ = r.lastSendErr.Load().(string)
	for i := range r.discards {
		if n := r.discards[i].Load(); n > 0 {
			c.Discarded[Reason(i).String()] = n
		}
	}
	r.mu.Lock()
	c.Transitions = uint64(len(r.transitions))
	r.mu.Unlock()
	return c
}
