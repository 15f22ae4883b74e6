package flap

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind is the shape of a flap.
type Kind string

// The flap patterns.
const (
	// Single takes every flapped link down together, holds it, and
	// brings it back together: an administrative flap or a cable pull.
	Single Kind = "single"
	// Bounce takes the links down and up Cycles times, one cycle every
	// Period (down for the first half, up for the second), and ends up:
	// a flaky optic or a port renegotiating, faster than any recovery.
	// The whole pattern is one storm.
	Bounce Kind = "bounce"
	// Stagger takes the links down one after another, Gap apart, holds
	// them, and brings them back in the same order, Gap apart: a switch
	// rebooting its line cards, a LACP bundle failing member by member.
	Stagger Kind = "stagger"
	// Reload changes no link: the daemon under test reloads its
	// configuration (keepalived's SIGHUP, which re-creates VMACs and
	// re-adds addresses), measured like a flap, as one window.
	Reload Kind = "reload"
	// Restart changes no link: the daemon under test is stopped (SIGTERM)
	// and started again, measured like a flap, as one window.
	Restart Kind = "restart"
)

// Limits of a pattern.
const (
	MaxCycles = 100
	MinPeriod = 2 * time.Millisecond
	MaxPeriod = time.Minute
	MaxGap    = time.Minute
)

// Pattern is how one flap changes the links: a flag value
// (--flap-pattern single, bounce:5/200ms, stagger:500ms) and a scenario
// file's flap_pattern. The zero Pattern is Single.
type Pattern struct {
	Kind   Kind
	Cycles int           // Bounce: down/up cycles, 2 to MaxCycles
	Period time.Duration // Bounce: from one cycle's down to the next's
	Gap    time.Duration // Stagger: from one link's change to the next's
}

// ParsePattern reads a pattern as the flag takes it.
func ParsePattern(s string) (Pattern, error) {
	kind, arg, _ := strings.Cut(s, ":")
	switch Kind(kind) {
	case Single, "", Reload, Restart:
		if arg != "" || (kind == "" && s != "") {
			return Pattern{}, fmt.Errorf("flap pattern %q: %s takes no argument", s, kind)
		}
		if kind == "" {
			kind = string(Single)
		}
		return Pattern{Kind: Kind(kind)}, nil
	case Bounce:
		n, period, ok := strings.Cut(arg, "/")
		cycles, err := strconv.Atoi(n)
		if !ok || err != nil {
			return Pattern{}, fmt.Errorf("flap pattern %q: want bounce:N/PERIOD, e.g. bounce:5/200ms", s)
		}
		d, err := time.ParseDuration(period)
		if err != nil {
			return Pattern{}, fmt.Errorf("flap pattern %q: %q is not a duration (want e.g. 200ms)", s, period)
		}
		p := Pattern{Kind: Bounce, Cycles: cycles, Period: d}
		return p, p.Validate()
	case Stagger:
		d, err := time.ParseDuration(arg)
		if err != nil {
			return Pattern{}, fmt.Errorf("flap pattern %q: want stagger:GAP, e.g. stagger:500ms", s)
		}
		p := Pattern{Kind: Stagger, Gap: d}
		return p, p.Validate()
	}
	return Pattern{}, fmt.Errorf("flap pattern %q: want single, bounce:N/PERIOD, stagger:GAP, reload or restart", s)
}

// Validate reports what is wrong with a pattern built by hand.
func (p Pattern) Validate() error {
	switch p.kind() {
	case Single, Reload, Restart:
		return nil
	case Bounce:
		if p.Cycles < 2 || p.Cycles > MaxCycles {
			return fmt.Errorf("flap pattern %s: want 2 to %d cycles (one cycle is a single flap)", p, MaxCycles)
		}
		if p.Period < MinPeriod || p.Period > MaxPeriod {
			return fmt.Errorf("flap pattern %s: want a period of %v to %v", p, MinPeriod, MaxPeriod)
		}
		return nil
	case Stagger:
		if p.Gap <= 0 || p.Gap > MaxGap {
			return fmt.Errorf("flap pattern %s: want a gap above 0 and up to %v", p, MaxGap)
		}
		return nil
	}
	return fmt.Errorf("flap pattern %q: want single, bounce, stagger, reload or restart", string(p.Kind))
}

func (p Pattern) kind() Kind {
	if p.Kind == "" {
		return Single
	}
	return p.Kind
}

// String is the pattern as the flag takes it.
func (p Pattern) String() string {
	switch p.kind() {
	case Bounce:
		return fmt.Sprintf("bounce:%d/%v", p.Cycles, p.Period)
	case Stagger:
		return fmt.Sprintf("stagger:%v", p.Gap)
	}
	return string(p.kind())
}

// Set parses a pattern; with String and Type it makes *Pattern a
// pflag.Value.
func (p *Pattern) Set(s string) error {
	v, err := ParsePattern(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Type names the flag's value type in help output.
func (*Pattern) Type() string { return "pattern" }

// MarshalText writes the pattern as the flag takes it, for JSON.
func (p Pattern) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (p *Pattern) UnmarshalText(b []byte) error { return p.Set(string(b)) }

// Held reports whether the pattern holds the links down until the
// instances have failed over, with a measuring window closed between the
// downs and the ups. A bounce does not: its ups follow its downs on a
// clock, and the whole pattern is one window; nor does a daemon event.
func (p Pattern) Held() bool { k := p.kind(); return k == Single || k == Stagger }

// Daemon reports whether the pattern is an event of the daemon under test
// (Reload, Restart) rather than a change of links: it has no Steps.
func (p Pattern) Daemon() bool { return p.Kind == Reload || p.Kind == Restart }

// Step is one link change of a pattern: at At after the pattern's start,
// set link Link (an index into the flapped links) up or down.
type Step struct {
	At   time.Duration
	Link int
	Up   bool
}

// Steps are the changes a pattern makes to n links: downs, the changes
// up to the hold (for a bounce, every cycle but the last up), and ups,
// the changes after it (offsets from the first up). Applied in order,
// every link ends up. A daemon event has none.
func (p Pattern) Steps(n int) (downs, ups []Step) {
	switch p.kind() {
	case Stagger:
		for j := range n {
			at := time.Duration(j) * p.Gap
			downs = append(downs, Step{At: at, Link: j})
			ups = append(ups, Step{At: at, Link: j, Up: true})
		}
	case Bounce:
		for c := range p.Cycles {
			start := time.Duration(c) * p.Period
			for j := range n {
				downs = append(downs, Step{At: start, Link: j})
			}
			if c < p.Cycles-1 {
				for j := range n {
					downs = append(downs, Step{At: start + p.Period/2, Link: j, Up: true})
				}
			}
		}
		for j := range n {
			ups = append(ups, Step{Link: j, Up: true})
		}
	case Single:
		for j := range n {
			downs = append(downs, Step{Link: j})
			ups = append(ups, Step{Link: j, Up: true})
		}
	}
	return downs, ups
}

// LastUpAfter is, for a pattern that is not Held, how long after its first
// down its final up comes.
func (p Pattern) LastUpAfter() time.Duration {
	if p.kind() != Bounce {
		return 0
	}
	return time.Duration(p.Cycles-1)*p.Period + p.Period/2
}

// Select picks the links a flap takes down from a lab's interface names:
// list is "" or "all" for every one, or names separated by commas. It
// returns their positions in names, in the lab's order.
func Select(list string, names []string) ([]int, error) {
	if list == "" || list == "all" {
		out := make([]int, len(names))
		for i := range names {
			out[i] = i
		}
		return out, nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("flap interfaces %q: the lab has no interface %q (it has %s)", list, n, strings.Join(names, ", "))
		}
		if want[n] {
			return nil, fmt.Errorf("flap interfaces %q: %s named twice", list, n)
		}
		want[n] = true
	}
	var out []int
	for i, n := range names {
		if want[n] {
			out = append(out, i)
		}
	}
	return out, nil
}
