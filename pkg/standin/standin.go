// Package standin writes the program that runs in a lab in place of a
// daemon's scripts (keepalived's notify scripts and vrrp_script checks):
// the daemon forks and execs it exactly where it would run the user's
// script, so the lab pays what the host pays for starting one, and it acts
// on nothing outside its own directory. Each run counts itself, by kind,
// so that a result says how often the daemon really ran its scripts.
//
// A stand-in is a /bin/sh script, as most production notify scripts are:
// by default it appends one byte to its kind's count file and exits 0. A
// cost keeps it busy on a CPU for that long (a busy loop under
// timeout(1), not a sleep), standing in for what the user's scripts do;
// a check (vrrp_script) exits with the status it is given.
package standin

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Kind is what a stand-in stands in for: the keyword of the statement that
// runs it ("notify_master", "notify"), or Check for a vrrp_script.
type Kind string

// Check is a vrrp_script's check.
const Check Kind = "check"

// MaxCost is the most a stand-in may cost per run.
const MaxCost = 10 * time.Second

// Options say what a stand-in costs and how a check ends.
type Options struct {
	// Cost is the CPU time each run burns, 0 to MaxCost.
	Cost time.Duration
	// CheckExit is the exit status of a check, 0 (success: the tracking
	// instance stays up) to 255.
	CheckExit int
}

// Validate checks the options.
func (o Options) Validate() error {
	switch {
	case o.Cost < 0 || o.Cost > MaxCost:
		return fmt.Errorf("script cost %v: want 0 to %v", o.Cost, MaxCost)
	case o.CheckExit < 0 || o.CheckExit > 255:
		return fmt.Errorf("script exit %d: want 0 to 255", o.CheckExit)
	}
	return nil
}

// Set is a stand-in written into a directory, with its count files.
type Set struct {
	opt  Options
	path string
	dir  string // count files, one per kind
}

// Write writes the stand-in into dir (which must exist): the script
// "standin" and the directory of its counts.
func Write(dir string, opt Options) (*Set, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	s := &Set{opt: opt, path: filepath.Join(dir, "standin"), dir: filepath.Join(dir, "standin-counts")}
	if strings.ContainsAny(dir, "'\"\\$` \t\n") {
		return nil, fmt.Errorf("stand-in directory %q: a path a shell would split", dir)
	}
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return nil, fmt.Errorf("stand-in counts: %w", err)
	}
	if err := os.WriteFile(s.path, []byte(s.script()), 0o755); err != nil {
		return nil, fmt.Errorf("write the stand-in: %w", err)
	}
	return s, nil
}

// script is the stand-in's text.
func (s *Set) script() string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n# Written by nlstress: runs in place of a daemon's script, in a lab.\n")
	b.WriteString("# It counts itself and ")
	if s.opt.Cost > 0 {
		fmt.Fprintf(&b, "burns %v of CPU; it acts on nothing outside %s.\n", s.opt.Cost, filepath.Dir(s.path))
	} else {
		fmt.Fprintf(&b, "exits at once; it acts on nothing outside %s.\n", filepath.Dir(s.path))
	}
	b.WriteString("kind=${1:-unknown}\n")
	b.WriteString("case $kind in *[!a-z_]*) kind=unknown;; esac\n")
	fmt.Fprintf(&b, "printf . >> %s/\"$kind\"\n", s.dir)
	if s.opt.Cost > 0 {
		fmt.Fprintf(&b, "timeout %s sh -c 'while :; do :; done'\n", strconv.FormatFloat(s.opt.Cost.Seconds(), 'f', -1, 64))
	}
	fmt.Fprintf(&b, "[ \"$kind\" = %s ] && exit %d\nexit 0\n", Check, s.opt.CheckExit)
	return b.String()
}

// Path is the stand-in's file.
func (s *Set) Path() string { return s.path }

// Command is the command line a daemon runs for kind: the stand-in with
// kind as its first argument (the daemon appends its own, as keepalived
// does for "notify").
func (s *Set) Command(kind Kind) string { return s.path + " " + string(kind) }

// Options are the set's options.
func (s *Set) Options() Options { return s.opt }

// Counts are how many times each kind of stand-in ran so far. Kinds that
// never ran are absent.
func (s *Set) Counts() (map[Kind]uint64, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("stand-in counts: %w", err)
	}
	out := make(map[Kind]uint64, len(ents))
	for _, e := range ents {
		fi, err := e.Info()
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("stand-in counts: %w", err)
		}
		out[Kind(e.Name())] = uint64(fi.Size())
	}
	return out, nil
}

// Describe says in words what stands in for what: "255 notify scripts and
// 2 vrrp_script checks run as stand-ins costing 0s", from the number of
// statements of each kind.
func Describe(statements map[Kind]int, cost time.Duration) string {
	if len(statements) == 0 {
		return ""
	}
	kinds := make([]string, 0, len(statements))
	for k := range statements {
		kinds = append(kinds, string(k))
	}
	sort.Slice(kinds, func(i, j int) bool { // scripts first, checks last
		if (Kind(kinds[i]) == Check) != (Kind(kinds[j]) == Check) {
			return Kind(kinds[j]) == Check
		}
		return kinds[i] < kinds[j]
	})
	var parts []string
	for _, k := range kinds {
		n := statements[Kind(k)]
		what := k + " script"
		if Kind(k) == Check {
			what = "vrrp_script check"
		}
		if n != 1 {
			what += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, what))
	}
	list := parts[0]
	if len(parts) > 1 {
		list = strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	}
	return fmt.Sprintf("%s run as stand-ins costing %v", list, cost)
}
