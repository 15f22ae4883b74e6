package flap

import "time"

// BurstGap is the quiet that separates two bursts of link messages.
// Linkwatch, the kernel's worker that reports carrier and operstate
// changes, takes at most 100 devices per run outside its urgent path and
// defers the rest by a second (net/core/link_watch.c): runs a second
// apart are distinct bursts, the messages of one run are not.
const BurstGap = 500 * time.Millisecond

// Burst is a run of link messages with no quiet of BurstGap or more
// between two of them.
type Burst struct {
	// At is when its first message was seen, from the start of the
	// window, and Span from its first message to its last: both to the
	// poll that saw them (QuietPoll).
	At   time.Duration `json:"at_ns"`
	Span time.Duration `json:"span_ns"`
	// Messages is how many link messages it held.
	Messages int `json:"messages"`
}

// Arrival is link messages seen at one poll: when, and how many.
type Arrival struct {
	At       time.Time
	Messages int
}

// Bursts groups arrivals, in time order, into bursts, timed from start.
// An arrival of no message (a poll that saw the queue grow before the
// messages were counted) times its burst but adds nothing to it.
func Bursts(start time.Time, arrivals []Arrival) []Burst {
	var out []Burst
	var last time.Time
	for _, a := range arrivals {
		at := a.At.Sub(start)
		if len(out) == 0 || a.At.Sub(last) >= BurstGap {
			out = append(out, Burst{At: at})
		}
		b := &out[len(out)-1]
		b.Span = at - b.At
		b.Messages += a.Messages
		last = a.At
	}
	return out
}
