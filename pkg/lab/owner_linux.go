package lab

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// RunDir holds one directory per live or leftover run, named by run id. Its
// "owner" file names the process that owns the run, so Cleanup can tell a
// killed run's leftovers from a run still in progress.
const RunDir = "/run/nlstress"

// runPath is the run's directory.
func runPath(runID string) string { return filepath.Join(RunDir, runID) }

// Owner identifies a process across pid reuse: its pid and its start time in
// clock ticks since boot (field 22 of /proc/<pid>/stat).
type Owner struct {
	PID       int
	StartTime uint64
}

// self is the calling process as an Owner.
func self() (Owner, error) {
	st, err := startTime(os.Getpid())
	if err != nil {
		return Owner{}, err
	}
	return Owner{PID: os.Getpid(), StartTime: st}, nil
}

// startTime reads a process's start time from /proc/<pid>/stat.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name in parentheses may hold spaces: split after it.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("parse /proc/%d/stat: no command field", pid)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); start time is field 22.
	if len(f) < 20 {
		return 0, fmt.Errorf("parse /proc/%d/stat: %d fields", pid, len(f)+2)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// Alive reports whether the owner process still runs.
func (o Owner) Alive() bool {
	st, err := startTime(o.PID)
	return err == nil && st == o.StartTime
}

// claim creates the run's directory and records the calling process as its
// owner. It fails if the run id is taken.
func claim(runID string) error {
	o, err := self()
	if err != nil {
		return fmt.Errorf("claim run %s: %w", runID, err)
	}
	if err := os.MkdirAll(RunDir, 0o755); err != nil {
		return fmt.Errorf("claim run %s: %w", runID, err)
	}
	if err := os.Mkdir(runPath(runID), 0o755); err != nil {
		return fmt.Errorf("claim run %s: %w", runID, err)
	}
	data := fmt.Sprintf("%d %d\n", o.PID, o.StartTime)
	if err := os.WriteFile(filepath.Join(runPath(runID), "owner"), []byte(data), 0o644); err != nil {
		os.RemoveAll(runPath(runID))
		return fmt.Errorf("claim run %s: %w", runID, err)
	}
	return nil
}

// ReadOwner returns the recorded owner of a run. A run with no readable
// owner file has none (ok false), and is treated as abandoned.
func ReadOwner(runID string) (o Owner, ok bool) {
	b, err := os.ReadFile(filepath.Join(runPath(runID), "owner"))
	if err != nil {
		return Owner{}, false
	}
	if _, err := fmt.Sscanf(string(b), "%d %d", &o.PID, &o.StartTime); err != nil {
		return Owner{}, false
	}
	return o, true
}

// release removes the run's directory.
func release(runID string) error {
	err := os.RemoveAll(runPath(runID))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", runPath(runID), err)
	}
	return nil
}
