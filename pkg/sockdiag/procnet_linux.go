package sockdiag

import (
	"fmt"
	"os"
)

// ReadProcNetlink parses /proc/thread-self/net/netlink: the netlink sockets
// of the calling thread's namespace. To read another namespace, call it from
// inside netns.NS.Do.
func ReadProcNetlink() ([]ProcEntry, error) {
	f, err := os.Open("/proc/thread-self/net/netlink")
	if err != nil {
		return nil, fmt.Errorf("sockdiag: %w", err)
	}
	defer f.Close()
	return ParseProcNetlink(f)
}
