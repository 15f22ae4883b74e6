// Package keepalived drives a real keepalived as a VRRP router in a lab
// namespace: it writes a configuration equivalent to a scenario, starts the
// daemon (VRRP process only, in the foreground, with its own pid files and
// log), reads its state changes from its notify FIFO, and stops it.
//
// The configuration writer and the FIFO parser are pure; starting and
// stopping the process is Linux-only.
package keepalived

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Instance is one vrrp_instance block.
type Instance struct {
	Name      string // "VI_1"
	Interface string // "eth2"
	VRID      uint8
	Priority  uint8
	Version   int           // 2 or 3
	Interval  time.Duration // advert_int
	VIPs      []netip.Addr
	// VMAC names the instance's macvlan ("vrrp.1"); keepalived creates
	// it (use_vmac). Empty for none.
	VMAC string
	// Routes are virtual_routes: Dst via Via out of Interface.
	Routes []netip.Prefix
	Via    netip.Addr
	// Notify is the instance's notify script command, "" for none.
	Notify string
	// Extra are lines added to the block as they are.
	Extra []string
}

// Global is what goes into global_defs.
type Global struct {
	RouterID string
	// RcvBuf is vrrp_netlink_monitor_rcv_bufs, bytes; 0 leaves
	// keepalived's default (64 KiB, doubled by the kernel).
	RcvBuf int64
	// Force adds vrrp_netlink_monitor_rcv_bufs_force.
	Force bool
	// NotifyFIFO is notify_fifo's path.
	NotifyFIFO string
	// Scripts says the configuration runs scripts (nlstress's stand-ins,
	// root's files in root's directories): they run as root with
	// keepalived's script security on, as keepalived -t asks.
	Scripts bool
	// Extra is spliced into global_defs as it is (--keepalived-conf-extra).
	Extra string
}

// Render writes a keepalived.conf for g and the instances.
func Render(g Global, instances []Instance) []byte {
	var b strings.Builder
	b.WriteString("# Written by nlstress for one run; do not edit.\nglobal_defs {\n")
	fmt.Fprintf(&b, "  router_id %s\n", g.RouterID)
	if g.RcvBuf > 0 {
		fmt.Fprintf(&b, "  vrrp_netlink_monitor_rcv_bufs %d\n", g.RcvBuf)
	}
	if g.Force {
		b.WriteString("  vrrp_netlink_monitor_rcv_bufs_force\n")
	}
	if g.NotifyFIFO != "" {
		fmt.Fprintf(&b, "  notify_fifo %s\n", g.NotifyFIFO)
	}
	if g.Scripts {
		b.WriteString(scriptSecurity)
	}
	// Announce once and at once: the lab measures state, not ARP caches.
	b.WriteString("  vrrp_garp_master_delay 0\n  vrrp_garp_master_repeat 1\n  vrrp_garp_master_refresh 0\n")
	if x := strings.TrimSpace(g.Extra); x != "" {
		b.WriteString("  # from --keepalived-conf-extra\n")
		for _, line := range strings.Split(x, "\n") {
			b.WriteString("  " + strings.TrimSpace(line) + "\n")
		}
	}
	b.WriteString("}\n")
	for _, in := range instances {
		fmt.Fprintf(&b, "\nvrrp_instance %s {\n  state BACKUP\n  interface %s\n  virtual_router_id %d\n  priority %d\n  version %d\n  advert_int %s\n",
			in.Name, in.Interface, in.VRID, in.Priority, in.Version, seconds(in.Interval))
		if in.VMAC != "" {
			fmt.Fprintf(&b, "  use_vmac %s\n", in.VMAC)
		}
		if len(in.VIPs) > 0 {
			b.WriteString("  virtual_ipaddress {\n")
			for _, ip := range in.VIPs {
				bits := 32
				if ip.Is6() {
					bits = 128
				}
				fmt.Fprintf(&b, "    %s/%d\n", ip, bits)
			}
			b.WriteString("  }\n")
		}
		if len(in.Routes) > 0 {
			b.WriteString("  virtual_routes {\n")
			for _, r := range in.Routes {
				fmt.Fprintf(&b, "    %s via %s dev %s\n", r, in.Via, in.Interface)
			}
			b.WriteString("  }\n")
		}
		if in.Notify != "" {
			fmt.Fprintf(&b, "  notify %q\n", in.Notify)
		}
		for _, l := range in.Extra {
			b.WriteString("  " + l + "\n")
		}
		b.WriteString("}\n")
	}
	return []byte(b.String())
}

// scriptSecurity are the global_defs lines under which keepalived runs
// scripts without complaint: as root, their paths checked (keepalived -t
// fails with "SECURITY VIOLATION - scripts are being executed but
// script_security not enabled" otherwise).
const scriptSecurity = "  script_user root\n  enable_script_security\n"

// seconds prints a duration as keepalived's advert_int reads it: seconds,
// with decimals for VRRPv3's sub-second intervals.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// InstanceName is the name nlstress gives the i-th instance (0-based).
func InstanceName(i int) string { return "VI_" + strconv.Itoa(i+1) }
