package sockdiag

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Owner is a process holding a socket.
type Owner struct {
	PID  int
	Comm string
}

// Owners maps socket inodes to the processes holding them, by reading the
// links in /proc/<pid>/fd. Processes that vanish or cannot be read are
// skipped. A socket shared by several processes maps to the lowest pid.
func Owners() map[uint32]Owner {
	out := map[uint32]Owner{}
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil {
			continue
		}
		dir := filepath.Join("/proc", p.Name(), "fd")
		fds, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var comm string
		for _, fd := range fds {
			target, err := os.Readlink(filepath.Join(dir, fd.Name()))
			if err != nil {
				continue
			}
			ino, ok := strings.CutPrefix(target, "socket:[")
			if !ok {
				continue
			}
			n, err := strconv.ParseUint(strings.TrimSuffix(ino, "]"), 10, 32)
			if err != nil {
				continue
			}
			if prev, ok := out[uint32(n)]; ok && prev.PID < pid {
				continue
			}
			if comm == "" {
				b, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "comm"))
				comm = strings.TrimSpace(string(b))
			}
			out[uint32(n)] = Owner{PID: pid, Comm: comm}
		}
	}
	return out
}

// WithOwners fills PID and Comm of each socket from Owners.
func WithOwners(socks []Socket) []Socket {
	owners := Owners()
	for i := range socks {
		if o, ok := owners[socks[i].Inode]; ok {
			socks[i].PID, socks[i].Comm = o.PID, o.Comm
		}
	}
	return socks
}
