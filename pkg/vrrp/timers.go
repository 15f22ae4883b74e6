package vrrp

import (
	"container/heap"
	"time"
)

// TimerKind says which of an instance's two timers fired.
type TimerKind uint8

// The timers of RFC 5798 §6.2; an instance has at most one armed.
const (
	TimerNone       TimerKind = iota
	TimerAdver                // Adver_Timer
	TimerMasterDown           // Master_Down_Timer
)

// Timers is one timer structure for all instances of a router: a min-heap of
// deadlines, with at most one armed timer per instance. It is pure: callers
// pass the time in. Arming replaces an instance's armed timer; stale heap
// entries are skipped when they reach the top.
type Timers struct {
	h     timerHeap
	armed []armedTimer // by instance
}

type armedTimer struct {
	kind TimerKind
	gen  uint32
	at   time.Time
}

type timerEntry struct {
	at   time.Time
	inst int
	gen  uint32
}

type timerHeap []timerEntry

func (h timerHeap) Len() int           { return len(h) }
func (h timerHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h timerHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)        { *h = append(*h, x.(timerEntry)) }
func (h *timerHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}

// NewTimers returns timers for n instances, none armed.
func NewTimers(n int) *Timers {
	return &Timers{armed: make([]armedTimer, n)}
}

// Arm sets instance inst's timer of the given kind to fire at at,
// replacing whichever timer it had armed.
func (t *Timers) Arm(inst int, kind TimerKind, at time.Time) {
	a := &t.armed[inst]
	a.gen++
	a.kind, a.at = kind, at
	heap.Push(&t.h, timerEntry{at: at, inst: inst, gen: a.gen})
}

// Cancel disarms instance inst's timer.
func (t *Timers) Cancel(inst int) {
	a := &t.armed[inst]
	a.gen++
	a.kind = TimerNone
}

// Armed returns the kind and deadline of instance inst's timer.
func (t *Timers) Armed(inst int) (TimerKind, time.Time) {
	a := t.armed[inst]
	return a.kind, a.at
}

// Next returns the earliest live deadline, and false when nothing is armed.
func (t *Timers) Next() (time.Time, bool) {
	t.dropStale()
	if len(t.h) == 0 {
		return time.Time{}, false
	}
	return t.h[0].at, true
}

// Expire pops one timer due at or before now and disarms it, and says
// when it was due. It returns false when none is due.
func (t *Timers) Expire(now time.Time) (inst int, kind TimerKind, due time.Time, ok bool) {
	t.dropStale()
	if len(t.h) == 0 || t.h[0].at.After(now) {
		return 0, TimerNone, time.Time{}, false
	}
	e := heap.Pop(&t.h).(timerEntry)
	a := &t.armed[e.inst]
	kind = a.kind
	a.gen++
	a.kind = TimerNone
	return e.inst, kind, e.at, true
}

// dropStale pops entries that were replaced or cancelled.
func (t *Timers) dropStale() {
	for len(t.h) > 0 {
		e := t.h[0]
		if a := t.armed[e.inst]; a.kind != TimerNone && a.gen == e.gen {
			return
		}
		heap.Pop(&t.h)
	}
}

// rearm is when a timer of period after, re-armed by one that was due
// at due and handled at now, fires: due+after, unless that is more than a
// period behind now.
func rearm(now, due time.Time, after time.Duration) time.Time {
	if now.Sub(due) > after {
		return now.Add(after)
	}
	return due.Add(after)
}
