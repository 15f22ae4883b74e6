package lab

import (
	"errors"
	"fmt"
	"os"
	"sort"

	"github.com/nlstress/nlstress/pkg/netns"
)

// Cleanup finds what runs left behind: "nls-" namespaces under /run/netns
// and run directories under RunDir. It removes those whose owner process is
// gone (a run killed with SIGKILL, or a --keep-lab run), killing any process
// still inside them (a keepalived under test), and keeps, unless
// force is set, those of runs still in progress: a run whose owner record
// says a live process, or, when the record is missing or unreadable (its
// run directory removed, or another mount namespace's /run), whose
// namespaces a live process holds open. It returns every object it
// looked at with what it did, and all errors joined.
func Cleanup(force bool) ([]Leftover, error) {
	names, err := netns.List(Prefix)
	if err != nil {
		return nil, err
	}
	byRun := map[string][]string{}
	for _, n := range names {
		id, ok := ParseNamespaceName(n)
		if !ok {
			// An "nls-" name we did not make by this scheme: still ours by
			// prefix, and nothing can own it.
			id = ""
		}
		byRun[id] = append(byRun[id], n)
	}
	dirs, err := os.ReadDir(RunDir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read %s: %w", RunDir, err)
	}
	for _, d := range dirs {
		if _, ok := byRun[d.Name()]; !ok {
			byRun[d.Name()] = nil
		}
	}

	runs := make([]string, 0, len(byRun))
	for id := range byRun {
		runs = append(runs, id)
	}
	sort.Strings(runs)
	var out []Leftover
	var errs []error
	for _, id := range runs {
		if id != "" && !force {
			if kept := inProgress(id, byRun[id]); kept != "" {
				for _, n := range byRun[id] {
					out = append(out, Leftover{Kind: "netns", Name: n, RunID: id, Action: kept})
				}
				continue
			}
		}
		for _, n := range byRun[id] {
			killed, err := killProcessesIn(n, id)
			if err != nil {
				errs = append(errs, err)
			}
			out = append(out, killed...)
			lo := Leftover{Kind: "netns", Name: n, RunID: id, Action: "removed"}
			if err := netns.Delete(n); err != nil && !errors.Is(err, netns.ErrNotExist) {
				errs = append(errs, err)
				lo.Action = "failed: " + err.Error()
			}
			out = append(out, lo)
		}
		if id == "" {
			continue
		}
		if _, err := os.Stat(runPath(id)); err == nil {
			lo := Leftover{Kind: "rundir", Name: runPath(id), RunID: id, Action: "removed"}
			if err := release(id); err != nil {
				errs = append(errs, err)
				lo.Action = "failed: " + err.Error()
			}
			out = append(out, lo)
		}
	}
	return out, errors.Join(errs...)
}

// inProgress says why run id, with namespaces names, is in progress
// ("kept: ..."), or "" when nothing says it is.
func inProgress(id string, names []string) string {
	if o, ok := ReadOwner(id); ok {
		if o.Alive() {
			return fmt.Sprintf("kept: run in progress (pid %d)", o.PID)
		}
		return ""
	}
	for _, n := range names {
		if pid, comm, err := holder(n); err == nil && pid > 0 {
			return fmt.Sprintf("kept: no owner record, but %s (pid %d) holds it open: run in progress", comm, pid)
		}
	}
	return ""
}
