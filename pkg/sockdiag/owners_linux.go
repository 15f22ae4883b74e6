package sockdiag

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// Owner is a process holding a socket.
type Owner struct {
	PID  int
	Comm string
}

// Owners maps socket inodes to the processes holding them, by reading the
// links in /proc/<pid>/fd, in pid order. Processes that vanish or cannot
// be read are skipped.
func Owners() map[uint32][]Owner {
	out := map[uint32][]Owner{}
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
			if comm == "" {
				b, _ := os.ReadFile(filepath.Join("/proc", p.Name(), "comm"))
				comm = strings.TrimSpace(string(b))
			}
			out[uint32(n)] = append(out[uint32(n)], Owner{PID: pid, Comm: comm})
		}
	}
	for _, holders := range out {
		slices.SortFunc(holders, func(a, b Owner) int { return a.PID - b.PID })
	}
	return out
}

// WithOwners fills PID and Comm of each socket from Owners.
func WithOwners(socks []Socket) []Socket {
	owners := Owners()
	for i := range socks {
		if o, ok := owner(owners[socks[i].Inode], socks[i].PortID); ok {
			socks[i].PID, socks[i].Comm = o.PID, o.Comm
		}
	}
	return socks
}

// owner picks a socket's owner among the processes holding it: the one
// whose pid is the socket's port id (the kernel binds a process's first
// netlink socket to its pid: the process that made it), else the lowest
// pid. A socket another process borrowed (pidfd_getfd, as nlstress's
// sampler does) stays its maker's.
func owner(holders []Owner, portID uint32) (Owner, bool) {
	for _, o := range holders {
		if uint32(o.PID) == portID {
			return o, true
		}
	}
	if len(holders) == 0 {
		return Owner{}, false
	}
	return holders[0], true
}
