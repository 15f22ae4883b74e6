package vrrp

import (
	"testing"
	"time"
)

// Since keeps the transitions at or after its time, in a slice of its
// own: appending to what it returned does not write into the history it
// was given.
func TestSince(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) Transition { return Transition{At: t0.Add(time.Duration(s) * time.Second), Instance: s} }
	ts := []Transition{at(0), at(1), at(2), at(3)}
	for _, tc := range []struct {
		name  string
		since time.Time
		want  int // first instance kept; len(ts) for none
	}{
		{"before all", t0.Add(-time.Second), 0},
		{"at the first", t0, 0},
		{"between", t0.Add(1500 * time.Millisecond), 2},
		{"at the last", t0.Add(3 * time.Second), 3},
		{"after all", t0.Add(time.Hour), 4},
	} {
		got := Since(ts, tc.since)
		if len(got) != len(ts)-tc.want || (len(got) > 0 && got[0].Instance != tc.want) {
			t.Errorf("%s: kept %v, want from instance %d", tc.name, got, tc.want)
		}
	}
	kept := Since(ts[:2], t0)
	_ = append(kept, at(9))
	if ts[2].Instance != 2 {
		t.Fatalf("appending to Since's result wrote into the history: %v", ts)
	}
}
