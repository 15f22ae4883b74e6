package sockdiag

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ProcEntry is one line of /proc/net/netlink.
type ProcEntry struct {
	Protocol Protocol
	PortID   uint32
	// Groups is the first 32 groups as a bit mask (group n is bit n-1).
	Groups uint32
	Rmem   uint32
	Wmem   uint32
	Drops  uint32
	Inode  uint32
}

// ParseProcNetlink reads the format of /proc/net/netlink:
//
//	sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
//
// Malformed lines are an error naming the line.
func ParseProcNetlink(r io.Reader) ([]ProcEntry, error) {
	sc := bufio.NewScanner(r)
	var out []ProcEntry
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if line == 1 || len(f) == 0 {
			continue // the header
		}
		if len(f) != 10 {
			return nil, fmt.Errorf("/proc/net/netlink line %d: %d fields, want 10", line, len(f))
		}
		var e ProcEntry
		nums := []struct {
			s    string
			base int
			dst  *uint32
		}{{f[2], 10, &e.PortID}, {f[3], 16, &e.Groups}, {f[4], 10, &e.Rmem}, {f[5], 10, &e.Wmem}, {f[8], 10, &e.Drops}, {f[9], 10, &e.Inode}}
		for _, n := range nums {
			v, err := strconv.ParseUint(n.s, n.base, 32)
			if err != nil {
				return nil, fmt.Errorf("/proc/net/netlink line %d: %q: %w", line, n.s, err)
			}
			*n.dst = uint32(v)
		}
		p, err := strconv.ParseUint(f[1], 10, 8)
		if err != nil {
			return nil, fmt.Errorf("/proc/net/netlink line %d: protocol %q: %w", line, f[1], err)
		}
		e.Protocol = Protocol(p)
		out = append(out, e)
	}
	return out, sc.Err()
}
