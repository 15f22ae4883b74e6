package vrrp

import (
	"testing"
	"time"
)

func TestTimerHeapOrderReplaceCancel(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

	tm := NewTimers(4)
	tm.Arm(0, TimerAdver, at(30))
	tm.Arm(1, TimerMasterDown, at(10))
	tm.Arm(2, TimerAdver, at(20))
	tm.Arm(3, TimerAdver, at(5))
	tm.Arm(3, TimerMasterDown, at(40)) // replaces the 5 ms timer
	tm.Cancel(2)

	if next, ok := tm.Next(); !ok || !next.Equal(at(10)) {
		t.Fatalf("Next = %v %v, want +10ms (the replaced and cancelled timers must not count)", next, ok)
	}
	if _, _, _, ok := tm.Expire(at(9)); ok {
		t.Fatal("a timer expired before its deadline")
	}
	var got []int
	var kinds []TimerKind
	for {
		inst, kind, _, ok := tm.Expire(at(100))
		if !ok {
			break
		}
		got = append(got, inst)
		kinds = append(kinds, kind)
	}
	want := []int{1, 0, 3}
	wantKinds := []TimerKind{TimerMasterDown, TimerAdver, TimerMasterDown}
	if len(got) != len(want) {
		t.Fatalf("expired %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] || kinds[i] != wantKinds[i] {
			t.Fatalf("expired %v %v, want %v %v", got, kinds, want, wantKinds)
		}
	}
	if _, ok := tm.Next(); ok {
		t.Fatal("timers left armed after all expired")
	}
	if k, _ := tm.Armed(1); k != TimerNone {
		t.Fatalf("instance 1 still armed (%v) after expiring", k)
	}
}

func BenchmarkTimersRearm(b *testing.B) {
	tm := NewTimers(4095)
	now := time.Unix(0, 0)
	for i := range 4095 {
		tm.Arm(i, TimerAdver, now.Add(time.Duration(i)*time.Microsecond))
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		now = now.Add(time.Microsecond)
		inst, _, _, ok := tm.Expire(now.Add(time.Hour))
		if !ok {
			b.Fatal("nothing expired")
		}
		tm.Arm(inst, TimerAdver, now.Add(time.Second))
	}
}

// A timer re-armed from its own deadline keeps its period when the loop
// wakes late; one more than a period late starts afresh from now.
func TestRearm(t *testing.T) {
	due := time.Unix(100, 0)
	const period = 10 * time.Millisecond
	for _, tt := range []struct {
		late time.Duration
		want time.Time
	}{
		{0, due.Add(period)},
		{3 * time.Millisecond, due.Add(period)},
		{period, due.Add(period)},
		{period + time.Millisecond, due.Add(2*period + time.Millisecond)},
	} {
		if got := rearm(due.Add(tt.late), due, period); !got.Equal(tt.want) {
			t.Errorf("%v late: %v, want %v", tt.late, got.Sub(due), tt.want.Sub(due))
		}
	}
}
