package vrrp

import (
	"testing"
	"time"
)

// One clock per event: the transitions an event causes are stamped with
// the time the router handed the machine, not a second reading.
func TestApplyStampsTransitionsWithTheEventClock(t *testing.T) {
	r := &Router{inst: []*instance{{}}, states: make([]State, 1), changed: make(chan struct{}), timers: NewTimers(1)}
	now := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	r.apply(0, []Action{
		{Kind: ActionSetMasterDownTimer, After: time.Second},
		{Kind: ActionTransition, From: Initialize, To: Backup},
	}, now)
	ts := r.Transitions()
	if len(ts) != 1 || !ts[0].At.Equal(now) {
		t.Fatalf("transitions %+v, want one stamped %v", ts, now)
	}
	if next, ok := r.timers.Next(); !ok || !next.Equal(now.Add(time.Second)) {
		t.Fatalf("Master_Down_Timer due %v, want %v", next, now.Add(time.Second))
	}
}
