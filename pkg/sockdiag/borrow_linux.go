package sockdiag

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ErrNotHeld is returned by Borrow when the process holds no descriptor of
// the socket (it closed it, or never had it).
var ErrNotHeld = errors.New("the process holds no descriptor of the socket")

// Borrow duplicates another process's descriptor of the socket with the
// given inode into this process (pidfd_getfd(2): Linux 5.6, and the right
// to ptrace the process, which root has), so that its counters can be
// read with ReadMemInfo in one system call instead of a sock_diag dump.
// The caller must close the descriptor: while it is open the socket lives
// on even after the owner closed its own, still joined to its groups.
func Borrow(pid int, inode uint32) (int, error) {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return -1, fmt.Errorf("sockdiag: borrow socket %d of pid %d: %w", inode, pid, err)
	}
	want := "socket:[" + strconv.FormatUint(uint64(inode), 10) + "]"
	for _, e := range entries {
		if link, err := os.Readlink(dir + "/" + e.Name()); err != nil || link != want {
			continue
		}
		target, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		pidfd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			return -1, fmt.Errorf("sockdiag: pidfd_open %d: %w", pid, err)
		}
		defer unix.Close(pidfd)
		fd, err := unix.PidfdGetfd(pidfd, target, 0)
		if err != nil {
			return -1, fmt.Errorf("sockdiag: pidfd_getfd %d of pid %d: %w", target, pid, err)
		}
		return fd, nil
	}
	return -1, fmt.Errorf("sockdiag: socket %d of pid %d: %w", inode, pid, ErrNotHeld)
}
