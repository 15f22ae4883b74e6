package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nlstress/nlstress/pkg/netns"
)

// ProcessesIn lists the processes other than this one whose network
// namespace is the named lab namespace (a keepalived left by a run killed
// with SIGKILL, say), by pid, with their command names.
func ProcessesIn(name string) (map[int]string, error) {
	want, err := nsLink(name)
	if err != nil {
		return nil, err
	}
	out := map[int]string{}
	err = eachProcess(func(pid int, dir string) bool {
		if link, err := os.Readlink(filepath.Join(dir, "ns", "net")); err == nil && link == want && pid != os.Getpid() {
			out[pid] = comm(dir)
		}
		return true
	})
	return out, err
}

// nsLink is how /proc names the named lab namespace in a process's ns and
// fd links: "net:[INODE]".
func nsLink(name string) (string, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(netns.Path(name), &st); err != nil {
		return "", fmt.Errorf("stat %s: %w", netns.Path(name), err)
	}
	return fmt.Sprintf("net:[%d]", st.Ino), nil
}

// holder finds a process that holds the named lab namespace open by a
// file descriptor, as a live run holds each of its namespaces: the
// witness that a run is alive when its owner record cannot be read (its
// run directory removed, or out of sight in another mount namespace).
// A daemon left inside a dead run's namespace is in it, not holding it.
// It returns the holder's pid and command name, or 0.
func holder(name string) (pid int, command string, err error) {
	want, err := nsLink(name)
	if err != nil {
		return 0, "", err
	}
	err = eachProcess(func(p int, dir string) bool {
		fds := filepath.Join(dir, "fd")
		links, err := os.ReadDir(fds)
		if err != nil {
			return true // gone, or a kernel thread
		}
		for _, l := range links {
			// An fd opened from the bind mount reads as its path, one
			// opened from /proc/PID/ns/net as "net:[INODE]".
			if target, err := os.Readlink(filepath.Join(fds, l.Name())); err == nil && (target == want || target == netns.Path(name)) {
				pid, command = p, comm(dir)
				return false
			}
		}
		return true
	})
	return pid, command, err
}

// eachProcess calls fn with each process's pid and /proc directory until
// fn returns false.
func eachProcess(fn func(pid int, dir string) bool) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return fmt.Errorf("read /proc: %w", err)
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if !fn(pid, filepath.Join("/proc", e.Name())) {
			return nil
		}
	}
	return nil
}

// comm is the command name of the process whose /proc directory is dir.
func comm(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "comm"))
	return strings.TrimSpace(string(b))
}

// killTimeout bounds the wait for a SIGKILLed process to be dead.
const killTimeout = 5 * time.Second

// killProcessesIn SIGKILLs every process inside the named lab namespace,
// waits (up to killTimeout) until each is dead, and reports each: "killed"
// only once it is.
func killProcessesIn(name, runID string) ([]Leftover, error) {
	procs, err := ProcessesIn(name)
	if err != nil {
		return nil, err
	}
	var out []Leftover
	var pids []int
	for pid, comm := range procs {
		pids = append(pids, pid)
		lo := Leftover{Kind: "process", Name: fmt.Sprintf("%s (pid %d) in %s", comm, pid, name), RunID: runID, Action: "killed"}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
			lo.Action = "failed: " + err.Error()
		}
		out = append(out, lo)
	}
	deadline := time.Now().Add(killTimeout)
	for i := range out {
		for out[i].Action == "killed" && !dead(pids[i]) {
			if time.Now().After(deadline) {
				out[i].Action = fmt.Sprintf("failed: still running %v after SIGKILL", killTimeout)
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	return out, nil
}

// dead reports whether pid has exited: gone from /proc, or a zombie (it
// has released its namespaces and sockets; only its parent's wait is
// left).
func dead(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	// The state follows the command name, which is in parentheses.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] == 'Z' || s[i+2] == 'X'
}
