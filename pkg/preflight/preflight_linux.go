// Package preflight checks, before a lab is built, that the host can carry
// one: privileges, network namespaces, and the veth and macvlan drivers. It
// also reads the host facts that every result records. It changes nothing
// in the host's network namespace: driver probes run in an anonymous
// namespace that vanishes with its last handle.
package preflight

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/jsimonetti/rtnetlink/v2/driver"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
)

// Needs says which optional kernel features a run uses.
type Needs struct {
	Macvlan bool // VMAC interfaces
}

// ReadHost reads the host facts. It needs no privileges.
func ReadHost() (Host, error) {
	var h Host
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return h, fmt.Errorf("uname: %w", err)
	}
	h.Kernel = unix.ByteSliceToString(u.Release[:])
	var err error
	if h.RmemMax, err = readSysctl("net/core/rmem_max"); err != nil {
		return h, err
	}
	if h.RmemDefault, err = readSysctl("net/core/rmem_default"); err != nil {
		return h, err
	}
	var set unix.CPUSet
	if unix.SchedGetaffinity(0, &set) == nil {
		h.CPUs = set.Count()
	}
	return h, nil
}

// readSysctl reads an integer sysctl of the caller's namespace.
func readSysctl(key string) (int64, error) {
	b, err := os.ReadFile("/proc/sys/" + key)
	if err != nil {
		return 0, fmt.Errorf("read sysctl %s: %w", strings.ReplaceAll(key, "/", "."), err)
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// Check verifies that the host can build a lab with the given needs. The
// first missing piece is returned as a one-line error wrapping
// ErrEnvironment that says what to do.
func Check(needs Needs) error {
	if err := checkCaps(); err != nil {
		return err
	}
	if _, err := os.Stat("/proc/self/ns/net"); err != nil {
		return fmt.Errorf("%w: this kernel has no network namespaces (CONFIG_NET_NS): /proc/self/ns/net: %v", ErrEnvironment, err)
	}
	return probeDrivers(needs)
}

// Capability numbers from linux/capability.h.
const (
	capNetAdmin = 12
	capSysAdmin = 21
)

// checkCaps checks the effective capabilities a lab needs: CAP_NET_ADMIN for
// links and forced buffers, CAP_SYS_ADMIN for namespaces and their mounts.
func checkCaps() error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("%w: read capabilities: %v", ErrEnvironment, err)
	}
	var missing []string
	for _, c := range []struct {
		bit  uint
		name string
	}{{capNetAdmin, "CAP_NET_ADMIN"}, {capSysAdmin, "CAP_SYS_ADMIN"}} {
		if data[c.bit/32].Effective&(1<<(c.bit%32)) == 0 {
			missing = append(missing, c.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s: nlstress builds network namespaces and must run as root", ErrEnvironment, strings.Join(missing, " and "))
	}
	return nil
}

// probeDrivers creates a veth pair, and a macvlan on it if needed, inside a
// throw-away anonymous namespace.
func probeDrivers(needs Needs) error {
	ns, err := netns.NewAnonymous()
	if err != nil {
		return fmt.Errorf("%w: cannot create a network namespace: %v", ErrEnvironment, err)
	}
	defer ns.Close()
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: ns.Fd()})
	if err != nil {
		return fmt.Errorf("%w: cannot open rtnetlink in a namespace: %v", ErrEnvironment, err)
	}
	defer c.Close()
	err = c.Link.New(&rtnetlink.LinkMessage{
		Index: 10,
		Attributes: &rtnetlink.LinkAttributes{
			Name: "probe0",
			Info: &rtnetlink.LinkInfo{Kind: "veth", Data: &driver.Veth{PeerInfo: &rtnetlink.LinkMessage{
				Attributes: &rtnetlink.LinkAttributes{Name: "probe1"},
			}}},
		},
	})
	if err != nil {
		return fmt.Errorf("%w: the kernel cannot create veth pairs (%v): load the module with 'modprobe veth'", ErrEnvironment, err)
	}
	if !needs.Macvlan {
		return nil
	}
	err = c.Link.New(&rtnetlink.LinkMessage{
		Attributes: &rtnetlink.LinkAttributes{
			Name: "probe2",
			Type: 10, // IFLA_LINK: probe0
			Info: &rtnetlink.LinkInfo{Kind: "macvlan"},
		},
	})
	if err != nil {
		return fmt.Errorf("%w: the kernel cannot create macvlan interfaces for VMAC (%v): load the module with 'modprobe macvlan'", ErrEnvironment, err)
	}
	return nil
}
