package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/result"
)

// processesIn lists the processes whose network namespace is the named
// lab namespace (a keepalived left by a run killed with SIGKILL, say), with
// their command names.
func processesIn(name string) (map[int]string, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(netns.Path(name), &st); err != nil {
		return nil, fmt.Errorf("stat %s: %w", netns.Path(name), err)
	}
	want := fmt.Sprintf("net:[%d]", st.Ino)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("read /proc: %w", err)
	}
	out := map[int]string{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		link, err := os.Readlink(filepath.Join("/proc", e.Name(), "ns", "net"))
		if err != nil || link != want {
			continue
		}
		comm, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		out[pid] = strings.TrimSpace(string(comm))
	}
	return out, nil
}

// killProcessesIn SIGKILLs every process inside the named lab namespace
// and reports each.
func killProcessesIn(name, runID string) ([]result.Leftover, error) {
	procs, err := processesIn(name)
	if err != nil {
		return nil, err
	}
	var out []result.Leftover
	for pid, comm := range procs {
		lo := result.Leftover{Kind: "process", Name: fmt.Sprintf("%s (pid %d) in %s", comm, pid, name), RunID: runID, Action: "killed"}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
			lo.Action = "failed: " + err.Error()
		}
		out = append(out, lo)
	}
	return out, nil
}
