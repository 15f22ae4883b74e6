package daemon

import (
	"errors"
	"fmt"
	"os"
)

// frrTmpBase is where FRR's daemons make a directory per process for their
// crash log (TMPBASEDIR of Debian's build), named "<daemon>.<pid>", which
// they never remove.
const frrTmpBase = "/var/tmp/frr"

// frrDaemons are the FRR daemons nlstress runs.
var frrDaemons = map[string]bool{"zebra": true, "vrrpd": true}

// HostLeftover is the path on the host's filesystem that a daemon named
// comm with process id pid leaves behind once it has exited, or "" for a
// daemon that leaves none.
func HostLeftover(comm string, pid int) string {
	if !frrDaemons[comm] {
		return ""
	}
	return fmt.Sprintf("%s/%s.%d", frrTmpBase, comm, pid)
}

// RemoveHostLeftover removes what an exited daemon left on the host
// (HostLeftover), and FRR's base directory once empty. It returns the path it removed, "" when there was
// nothing.
func RemoveHostLeftover(comm string, pid int) (string, error) {
	path := HostLeftover(comm, pid)
	if path == "" {
		return "", nil
	}
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err := os.RemoveAll(path); err != nil {
		return "", fmt.Errorf("remove %s's %s: %w", comm, path, err)
	}
	// FRR makes the base directory as it needs it; an empty one is
	// nobody's (one in use holds a running daemon's directory).
	_ = os.Remove(frrTmpBase)
	return path, nil
}
