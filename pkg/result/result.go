// Package result is the model of what a run found: a stable JSON document
// with a schema version, and the sentinel a command branches on to exit 1.
// It knows nothing of sockets.
package result

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nlstress/nlstress/pkg/hostload"
	"github.com/nlstress/nlstress/pkg/preflight"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// SchemaVersion is the version of the JSON result format; it changes when a
// field changes meaning or disappears (adding fields does not change it).
const SchemaVersion = 3

// OldestReadable is the oldest schema version Load reads: version 2 wrote
// a recommendation's lines as "keepalived" and "zebra" instead of "paste",
// which nothing that loads a result reads.
const OldestReadable = 2

// ErrFinding is wrapped by the error a run returns when it found a problem
// (loss, stuck instances): exit code 1, not a usage or environment error.
var ErrFinding = errors.New("finding")

// Host is what a result records about the machine it ran on: package
// preflight's description, which reads it.
type Host = preflight.Host

// Lab describes the lab a run used.
type Lab struct {
	RunID      string   `json:"run_id"`
	Namespaces []string `json:"namespaces"`
	Interfaces []string `json:"interfaces"`
	Instances  int      `json:"instances"`
	VMACs      int      `json:"vmacs"`
	// Flapped are the interfaces a flap takes down and FlappedInstances
	// the instances on them, which a flap judges.
	Flapped          []string `json:"flapped"`
	FlappedInstances int      `json:"flapped_instances"`
	Kept             bool     `json:"kept"` // left in place (--keep-lab)
	// BuildTime is how long building the lab took.
	BuildTime time.Duration `json:"build_time_ns"`
}

// Result is the outcome of one run.
type Result struct {
	SchemaVersion int               `json:"schema_version"`
	Started       time.Time         `json:"started"`
	Host          Host              `json:"host"`
	Scenario      scenario.Scenario `json:"scenario"`
	Lab           Lab               `json:"lab"`
	// Target is what ran as the subject: "builtin" (nlstress's engine).
	Target         scenario.Target `json:"target,omitempty"`
	Monitor        *Monitor        `json:"monitor,omitempty"`
	Flaps          []Flap          `json:"flaps,omitempty"`
	Totals         *Totals         `json:"totals,omitempty"`
	Recommendation *Recommendation `json:"recommendation,omitempty"`
	Verdict        *Verdict        `json:"verdict,omitempty"`
	// Daemon is the daemon under test's own version line, as it says it
	// ("Keepalived v2.2.7 (01/16,2022)"); empty for the built-in engine
	// and an exec target.
	Daemon string `json:"daemon,omitempty"`
	// HostLoad is the competing CPU work asked for and achieved; nil for
	// none.
	HostLoad *hostload.Share `json:"host_load,omitempty"`
	// Scripts says what ran in place of the daemon's scripts; nil when it
	// has none.
	Scripts *Scripts `json:"scripts,omitempty"`
	// Subject and Peer are the routers' own counters.
	Subject *RouterCounters `json:"subject_counters,omitempty"`
	Peer    *RouterCounters `json:"peer_counters,omitempty"`
	// Replay says what ran of a user's keepalived configuration; nil
	// when nlstress wrote the configuration.
	Replay *Replay `json:"replay,omitempty"`
	// Interrupted says the run was stopped before its last flap; nil for
	// a run that did them all.
	Interrupted *Interrupted `json:"interrupted,omitempty"`
}

// Interrupted is a run stopped from outside: by what, and how far it got.
type Interrupted struct {
	// By is the signal ("SIGTERM").
	By string `json:"by"`
	// AfterFlaps of Of were finished and are in the result.
	AfterFlaps int `json:"after_flaps"`
	Of         int `json:"of"`
	// Discarded says a flap was in progress when the signal came: it is
	// not in the result, its windows being open.
	Discarded bool `json:"discarded_flap"`
}

// StoppedBy names what cancelled ctx: the signal, when the cause names
// one (a Signal method, as the command line's interrupt has), else the
// cause's words.
func StoppedBy(ctx context.Context) string {
	var sig interface{ Signal() string }
	if cause := context.Cause(ctx); errors.As(cause, &sig) {
		return sig.Signal()
	} else if cause != nil {
		return cause.Error()
	}
	return "cancellation"
}

// Interrupt marks r as stopped by the signal by, of flaps planned, with
// the flap in progress discarded or not: the verdict becomes INCOMPLETE,
// its line saying so before what the finished flaps showed.
func (r *Result) Interrupt(by string, of int, discarded bool) {
	in := Interrupted{By: by, AfterFlaps: len(r.Flaps), Of: of, Discarded: discarded}
	r.Interrupted = &in
	line := fmt.Sprintf("INCOMPLETE: stopped by %s after %d of %d flaps", by, in.AfterFlaps, of)
	if discarded {
		line += fmt.Sprintf(" (flap %d, in progress, discarded)", in.AfterFlaps+1)
	}
	if r.Verdict != nil {
		line += "; the flaps done: " + r.Verdict.Line
	}
	r.Verdict = &Verdict{Status: StatusIncomplete, Line: line}
}

// Replay is what a run made of a user's keepalived configuration.
type Replay struct {
	Conf string `json:"conf"`
	// Summary names the instances per interface and the peer.
	Summary string `json:"summary"`
	// Addresses says, per interface, the addresses the lab gave it and
	// where they came from.
	Addresses []string `json:"addresses"`
	// Changes are the rewrites, one line each with file:line and why.
	Changes  []string `json:"changes"`
	Warnings []string `json:"warnings,omitempty"`
}

// Scripts are the stand-ins that ran in place of the daemon's scripts.
type Scripts struct {
	// Summary says it in words: "255 notify scripts and 2 vrrp_script
	// checks run as stand-ins costing 0s".
	Summary string `json:"summary"`
	// Statements are how many statements of each kind ("notify",
	// "notify_master", "check" for a vrrp_script) run a stand-in; Ran how
	// many times each kind ran, counted by the stand-ins themselves.
	Statements map[string]int    `json:"statements"`
	Ran        map[string]uint64 `json:"ran"`
	// Cost is the CPU each run burnt; CheckExit a check's exit status.
	Cost      time.Duration `json:"cost_ns"`
	CheckExit int           `json:"check_exit"`
}
