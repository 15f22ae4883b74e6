// Package target describes the daemons nlstress can put under test: what
// each asks of a scenario, the buffer its monitor has when none is set, and
// the words a report uses for its buffer. It is data, with no sockets: the
// running side of each target is in package stress, one file per target.
//
// Adding a target is one file here (its Traits) and its line in All, and
// one file in package stress (how it starts, stops and is watched).
package target

import (
	"fmt"
	"strings"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

// Name is a target's name, as --target and a scenario's "target" write
// it. *Name is a pflag.Value.
type Name string

// Traits are what nlstress knows of a target before it runs: the checks a
// scenario passes, the lab it needs and the words of its reports.
type Traits struct {
	// Name is the target's name.
	Name Name
	// Summary says in a few words what runs, for help.
	Summary string
	// Outside says the daemon is a process nlstress starts and watches
	// from outside (its reads are not visible), not nlstress's engine.
	Outside bool
	// Wire says the daemon's instances are seen only through the peer's
	// ears: it needs the peer.
	Wire bool
	// Command says the daemon is started by --target-cmd, which no other
	// target takes.
	Command bool
	// Keepalived says the daemon is keepalived: it takes --keepalived-bin,
	// --keepalived-conf and --keepalived-conf-extra, and a reload or a
	// restart can stand in for a flap.
	Keepalived bool
	// NoVRRP, when set, says why the daemon is judged without VRRP: its
	// instances are the links it follows, in its own view of them; the
	// lab's peer runs no router.
	NoVRRP string
	// Notifies says the target takes --notify-scripts: a stand-in script
	// per instance, started at every transition (keepalived forks and
	// execs it as its notify; the engine starts the same one).
	Notifies bool
	// OwnBuffer says the daemon sets its monitor's buffer itself:
	// nlstress cannot change it between flaps, so it cannot be swept.
	OwnBuffer bool
	// OwnVMACs says the daemon makes its VMACs itself (keepalived's
	// use_vmac): its lab makes none.
	OwnVMACs bool
	// Rescans says the daemon reads every link again at a scan interval
	// (BIRD's device protocol): a lost message is corrected at the next
	// scan, and the run's waits outlast one (--bird-scan-time).
	Rescans bool
	// NeedsMacvlans, when set, says why the lab always makes a macvlan
	// per instance for this target, whatever --vmac says.
	NeedsMacvlans string
	// NeedsVIPs, when set, says why the target needs at least one virtual
	// address per VRID.
	NeedsVIPs string
	// DefaultBuffer is what the monitor asks for when no buffer is set,
	// before the kernel doubles it (0: unknown, the daemon's own), and
	// Forced says the target asks with SO_RCVBUFFORCE, whatever the
	// scenario's force says.
	DefaultBuffer bytesize.Size
	Forced        bool
	// Owner names the monitor socket in a report: "keepalived's",
	// "zebra's listening (netlink-listen)".
	Owner string
	// Setting says in words how the monitor's buffer was asked for.
	Setting func(request int64, force, dflt bool) string
	// Paste is where a buffer of request bytes (before doubling) is set
	// for this daemon, and the lines to paste there.
	Paste func(request int64) Paste
}

// Paste is where a recommended buffer goes and the lines that set it.
type Paste struct {
	// Where names the place: "keepalived global_defs", "zebra's command
	// line".
	Where string `json:"where"`
	// Lines are the lines to paste there.
	Lines []string `json:"lines"`
}

// All are the targets, in the order help lists them.
var All = []Traits{builtin, keepalived, frr, exec, bird}

// Lookup returns the traits of the target called name, and whether there
// is one.
func Lookup(name Name) (Traits, bool) {
	for _, t := range All {
		if t.Name == name {
			return t, true
		}
	}
	return Traits{}, false
}

// Of returns the traits of the target called name; an unknown name (which
// a validated scenario never holds) gets traits of its own name and
// nothing else.
func Of(name Name) Traits {
	t, ok := Lookup(name)
	if !ok {
		return Traits{Name: name, Setting: socketOption, Paste: func(int64) Paste { return Paste{} }}
	}
	return t
}

// Names are the targets' names in the order of All.
func Names() []string {
	out := make([]string, len(All))
	for i, t := range All {
		out[i] = string(t.Name)
	}
	return out
}

// Where are the names of the targets for which has says true, in the
// order of All.
func Where(has func(Traits) bool) []Name {
	var out []Name
	for _, t := range All {
		if has(t) {
			out = append(out, t.Name)
		}
	}
	return out
}

// Either joins names as a sentence does: "a, b or c".
func Either(names []Name) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	if len(s) < 2 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// Set parses a target's name; with String and Type it makes *Name a
// pflag.Value.
func (n *Name) Set(s string) error {
	if _, ok := Lookup(Name(s)); !ok {
		return fmt.Errorf("unknown target %q: want %s", s, Either(Where(func(Traits) bool { return true })))
	}
	*n = Name(s)
	return nil
}

// String returns the target's name.
func (n *Name) String() string { return string(*n) }

// Type names the flag's value type in help output.
func (*Name) Type() string { return "target" }

// socketOption is a buffer asked for with setsockopt, in words.
func socketOption(request int64, force, _ bool) string {
	if force {
		return fmt.Sprintf("SO_RCVBUFFORCE %d", request)
	}
	return fmt.Sprintf("SO_RCVBUF %d", request)
}

// KeepalivedLines are keepalived's global_defs lines for a buffer of
// request bytes (before doubling), forced.
func KeepalivedLines(request int64) Paste {
	return Paste{Where: "keepalived global_defs", Lines: []string{
		fmt.Sprintf("vrrp_netlink_monitor_rcv_bufs %d", request),
		"vrrp_netlink_monitor_rcv_bufs_force",
	}}
}
