package nlmon

import (
	"testing"

	"github.com/nlstress/nlstress/pkg/roottest"
)

func TestCountsSince(t *testing.T) {
	base := Counts{Messages: 10, ENOBUFS: 1, Drops: 5, Markers: 2}
	for _, tt := range []struct {
		name string
		now  Counts
		want bool
	}{
		{"unchanged", base, true},
		{"grown", Counts{Messages: 11, ENOBUFS: 2, Drops: 9, Markers: 3}, true},
		{"all zero: a failed read", Counts{}, false},
		{"messages back", Counts{Messages: 9, ENOBUFS: 1, Drops: 5, Markers: 2}, false},
		{"drops back", Counts{Messages: 10, ENOBUFS: 1, Drops: 4, Markers: 2}, false},
	} {
		if got := tt.now.Since(base); got != tt.want {
			t.Errorf("%s: Since = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCountsKeepWhatTheyKnow: when the kernel's drops cannot be read, the
// counters the monitor keeps itself still come back with the error, so
// that no caller stores zeros (a window's received would wrap around).
func TestCountsKeepWhatTheyKnow(t *testing.T) {
	roottest.Require(t)
	s, err := Open(Config{})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMonitor(s, 0, PolicyNone)
	m.messages.Add(7)
	m.sawMarker(1) // the counters at a marker, as the reader records them
	if at, err := m.WaitMarker(t.Context(), 1); err != nil || at.Messages != 7 || at.Markers != 1 {
		t.Fatalf("at marker 1: %+v, %v", at, err)
	}
	s.Close()
	c, err := m.Counts()
	if err == nil || c.Messages != 7 || c.Markers != 1 {
		t.Fatalf("counts on a closed socket: %+v, %v; want 7 messages, 1 marker and an error", c, err)
	}
	m.sawMarker(2)
	if at, err := m.WaitMarker(t.Context(), 2); err == nil || at.Messages != 7 {
		t.Fatalf("at marker 2, drops unreadable: %+v, %v; want the error with 7 messages", at, err)
	}
}
