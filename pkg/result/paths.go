package result

import (
	"slices"

	"github.com/nlstress/nlstress/pkg/stats"
)

// Lossy reports whether the monitor lost messages in the flap: kernel
// drops or ENOBUFS, in either phase.
func (f Flap) Lossy() bool {
	return f.Down.Drops+f.Up.Drops > 0 || f.Down.ENOBUFS+f.Up.ENOBUFS > 0
}

// DownBursts is how many bursts the link messages of the flap's downs
// came in (Phase.LinkBursts): of its down window, or of its one window
// for a pattern that does not hold the links down. 0 when they were not
// timed (results from before the clock, a daemon event).
func (f Flap) DownBursts() int {
	if f.OneWindow {
		return len(f.Up.LinkBursts)
	}
	return len(f.Down.LinkBursts)
}

// PathRate is the flaps whose downs' link messages came in the same
// number of bursts (Flap.DownBursts), and how often those lost messages
// and left instances stuck. At an admin down of a link with 255 VMACs
// the kernel takes one of two paths by a race (at once, or runs of 100 a
// second apart), and the rates differ by path: a rate over all flaps
// mixes them in the proportion the host's race gave.
type PathRate struct {
	DownBursts int        `json:"down_bursts"`
	Loss       stats.Rate `json:"loss"`
	Stuck      stats.Rate `json:"stuck"`
}

// ByDownBursts splits flaps by how their downs' link messages came, fewest
// bursts first; nil when no flap's were timed.
func ByDownBursts(flaps []Flap) []PathRate {
	type tally struct{ n, lossy, stuck int }
	by := map[int]*tally{}
	for _, f := range flaps {
		b := f.DownBursts()
		if b == 0 {
			continue
		}
		t := by[b]
		if t == nil {
			t = &tally{}
			by[b] = t
		}
		t.n++
		if f.Lossy() {
			t.lossy++
		}
		if len(f.Stuck) > 0 {
			t.stuck++
		}
	}
	var out []PathRate
	for b, t := range by {
		out = append(out, PathRate{DownBursts: b, Loss: stats.Binomial(t.lossy, t.n), Stuck: stats.Binomial(t.stuck, t.n)})
	}
	slices.SortFunc(out, func(a, b PathRate) int { return a.DownBursts - b.DownBursts })
	return out
}
