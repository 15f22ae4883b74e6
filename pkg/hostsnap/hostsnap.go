// Package hostsnap takes a read-only snapshot of the calling thread's
// network namespace (links, addresses, routes and the core rmem sysctls) so
// tests can prove that nlstress left the host's namespace as it found it.
package hostsnap

import (
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/jsimonetti/rtnetlink/v2"
	"golang.org/x/sys/unix"
)

// Snapshot is a namespace's state as sorted lines of text, one per object,
// so that a difference reads like a diff.
type Snapshot struct {
	Links     []string
	Addresses []string
	Routes    []string
	Sysctls   []string
}

// Take reads the snapshot through rtnetlink dumps and /proc/sys; it changes
// nothing.
func Take() (Snapshot, error) {
	c, err := rtnetlink.Dial(nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: dial rtnetlink: %w", err)
	}
	defer c.Close()
	var s Snapshot
	links, err := c.Link.List()
	if err != nil {
		return s, fmt.Errorf("snapshot: list links: %w", err)
	}
	for _, l := range links {
		s.Links = append(s.Links, fmt.Sprintf("%d %s flags=%#x mtu=%d mac=%s master=%v",
			l.Index, l.Attributes.Name, l.Flags&(unix.IFF_UP|unix.IFF_BROADCAST|unix.IFF_MULTICAST|unix.IFF_LOOPBACK|unix.IFF_NOARP),
			l.Attributes.MTU, l.Attributes.Address, deref(l.Attributes.Master)))
	}
	addrs, err := c.Address.List()
	if err != nil {
		return s, fmt.Errorf("snapshot: list addresses: %w", err)
	}
	for _, a := range addrs {
		s.Addresses = append(s.Addresses, fmt.Sprintf("%d %s/%d scope=%d", a.Index, a.Attributes.Address, a.PrefixLength, a.Scope))
	}
	routes, err := c.Route.List()
	if err != nil {
		return s, fmt.Errorf("snapshot: list routes: %w", err)
	}
	for _, r := range routes {
		s.Routes = append(s.Routes, fmt.Sprintf("af=%d table=%d %s/%d via %s dev %d type=%d proto=%d",
			r.Family, r.Table, r.Attributes.Dst, r.DstLength, r.Attributes.Gateway, r.Attributes.OutIface, r.Type, r.Protocol))
	}
	for _, k := range []string{"net/core/rmem_max", "net/core/rmem_default", "net/core/wmem_max", "net/core/wmem_default"} {
		b, err := os.ReadFile("/proc/sys/" + k)
		if err != nil {
			return s, fmt.Errorf("snapshot: read %s: %w", k, err)
		}
		s.Sysctls = append(s.Sysctls, k+"="+strings.TrimSpace(string(b)))
	}
	for _, l := range [][]string{s.Links, s.Addresses, s.Routes} {
		sort.Strings(l)
	}
	return s, nil
}

func deref(p *uint32) uint32 {
	if p == nil {
		return 0
	}
	return *p
}

// Diff describes how b differs from a, or returns "" when they are equal.
func Diff(a, b Snapshot) string {
	var out strings.Builder
	for _, part := range []struct {
		name string
		x, y []string
	}{{"link", a.Links, b.Links}, {"address", a.Addresses, b.Addresses}, {"route", a.Routes, b.Routes}, {"sysctl", a.Sysctls, b.Sysctls}} {
		in := map[string]int{}
		for _, l := range part.x {
			in[l]++
		}
		for _, l := range part.y {
			in[l]--
		}
		keys := make([]string, 0, len(in))
		for k := range in {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			switch {
			case in[k] > 0:
				fmt.Fprintf(&out, "- %s %s\n", part.name, k)
			case in[k] < 0:
				fmt.Fprintf(&out, "+ %s %s\n", part.name, k)
			}
		}
	}
	return out.String()
}
