package flap

import (
	"strings"
	"testing"
	"time"
)

func TestParsePattern(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want Pattern
		err  string
	}{
		{in: "", want: Pattern{Kind: Single}},
		{in: "single", want: Pattern{Kind: Single}},
		{in: "bounce:5/200ms", want: Pattern{Kind: Bounce, Cycles: 5, Period: 200 * time.Millisecond}},
		{in: "stagger:500ms", want: Pattern{Kind: Stagger, Gap: 500 * time.Millisecond}},
		{in: "reload", want: Pattern{Kind: Reload}},
		{in: "restart", want: Pattern{Kind: Restart}},
		{in: "single:3", err: "takes no argument"},
		{in: "reload:1s", err: "reload takes no argument"},
		{in: "bounce:5", err: "want bounce:N/PERIOD"},
		{in: "bounce:x/1s", err: "want bounce:N/PERIOD"},
		{in: "bounce:5/fast", err: "not a duration"},
		{in: "bounce:1/1s", err: "want 2 to 100 cycles"},
		{in: "bounce:101/1s", err: "want 2 to 100 cycles"},
		{in: "bounce:3/1ms", err: "want a period of 2ms to 1m0s"},
		{in: "stagger:0s", err: "want a gap above 0"},
		{in: "stagger", err: "want stagger:GAP"},
		{in: "flicker", err: "want single, bounce:N/PERIOD, stagger:GAP, reload or restart"},
	} {
		got, err := ParsePattern(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParsePattern(%q) = %v, %v; want an error with %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePattern(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		// The flag's text reads back to the same pattern.
		if again, err := ParsePattern(got.String()); err != nil || again != got {
			t.Errorf("ParsePattern(%q) = %+v, %v; want %+v", got.String(), again, err, got)
		}
	}
}

// Every pattern changes each link an even number of times, never sets a
// link to the state it is in, ends with every link up, and keeps its
// steps in time order.
func TestStepsEndUp(t *testing.T) {
	for _, p := range []Pattern{
		{Kind: Single},
		{Kind: Bounce, Cycles: 5, Period: 200 * time.Millisecond},
		{Kind: Stagger, Gap: 300 * time.Millisecond},
	} {
		const links = 3
		downs, ups := p.Steps(links)
		up := [links]bool{true, true, true}
		changes := [links]int{}
		for _, part := range [][]Step{downs, ups} {
			var last time.Duration
			for _, st := range part {
				if st.At < last {
					t.Fatalf("%v: step %+v before %v", p, st, last)
				}
				last = st.At
				if up[st.Link] == st.Up {
					t.Fatalf("%v: step %+v sets link %d to the state it is in", p, st, st.Link)
				}
				up[st.Link] = st.Up
				changes[st.Link]++
			}
		}
		want := 2
		if p.Kind == Bounce {
			want = 2 * p.Cycles
		}
		for j := range links {
			if !up[j] || changes[j] != want {
				t.Fatalf("%v: link %d up=%v after %d changes, want up after %d", p, j, up[j], changes[j], want)
			}
		}
		if p.Held() == (p.Kind == Bounce) {
			t.Fatalf("%v: Held = %v", p, p.Held())
		}
	}
	for _, p := range []Pattern{{Kind: Reload}, {Kind: Restart}} {
		if downs, ups := p.Steps(3); len(downs)+len(ups) != 0 || p.Held() || !p.Daemon() {
			t.Fatalf("%v: %d steps, held %v, daemon %v: want a daemon event without steps", p, len(downs)+len(ups), p.Held(), p.Daemon())
		}
	}
}

func TestSelect(t *testing.T) {
	names := []string{"eth2", "eth3", "eth4"}
	for _, tt := range []struct {
		list string
		want []int
		err  string
	}{
		{list: "", want: []int{0, 1, 2}},
		{list: "all", want: []int{0, 1, 2}},
		{list: "eth4,eth2", want: []int{0, 2}},
		{list: "eth9", err: `no interface "eth9" (it has eth2, eth3, eth4)`},
		{list: "eth2,eth2", err: "named twice"},
	} {
		got, err := Select(tt.list, names)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Select(%q) = %v, %v; want an error with %q", tt.list, got, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("Select(%q) = %v, %v; want %v", tt.list, got, err, tt.want)
			continue
		}
		for i := range got {
			if got[i] != tt.want[i] {
				t.Errorf("Select(%q) = %v, want %v", tt.list, got, tt.want)
			}
		}
	}
}
