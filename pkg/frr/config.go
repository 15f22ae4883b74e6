// Package frr drives FRR's zebra and vrrpd as a VRRP router in a lab
// namespace: it writes their configuration, starts both in the foreground
// with their state, sockets and logs in a run directory of their own (no
// /etc/frr, no system service), reads vrrpd's instance states over its vty
// socket and its state changes and zebra's netlink overruns from their
// logs, and stops them.
//
// FRR's vrrpd does not create the macvlan devices a virtual MAC needs:
// they must exist before it starts, in bridge mode, with the virtual MAC,
// a random IPv6 link-local address and the virtual addresses
// (doc/user/vrrp.rst, "System Configuration"). vrrpd follows links
// through zebra, which alone reads rtnetlink: zebra's listening socket is
// the monitor under test, and zebra 8.4 exits on its first ENOBUFS
// (zebra/kernel_netlink.c: "recvmsg overrun").
//
// The configuration writer and the log and JSON parsers are pure; running
// the daemons is Linux-only.
package frr

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Instance is one virtual router: "vrrp VRID" lines under its interface.
type Instance struct {
	Interface string // "eth2"
	VRID      uint8
	Priority  uint8
	Version   int           // 2 or 3
	Interval  time.Duration // advertisement-interval, a multiple of 10 ms
	VIPs      []netip.Addr  // IPv4 ("ip") or IPv6 ("ipv6"), already on the macvlan
}

// Config is what vrrpd's configuration holds.
type Config struct {
	Hostname  string
	Instances []Instance
}

// Render writes the frr.conf vrrpd reads: log timestamps in microseconds
// (transitions are read from the log) and, per interface in the order of
// first appearance, each instance's version, priority, interval and
// addresses. The first address line starts the virtual router, so it comes
// last.
func Render(c Config) []byte {
	var b strings.Builder
	b.WriteString("! Written by nlstress for one run; do not edit.\nfrr defaults traditional\n")
	fmt.Fprintf(&b, "hostname %s\nlog timestamp precision 6\n!\n", c.Hostname)
	var order []string
	by := map[string][]Instance{}
	for _, in := range c.Instances {
		if _, ok := by[in.Interface]; !ok {
			order = append(order, in.Interface)
		}
		by[in.Interface] = append(by[in.Interface], in)
	}
	for _, ifc := range order {
		fmt.Fprintf(&b, "interface %s\n", ifc)
		for _, in := range by[ifc] {
			fmt.Fprintf(&b, " vrrp %d version %d\n vrrp %d priority %d\n vrrp %d advertisement-interval %d\n",
				in.VRID, in.Version, in.VRID, in.Priority, in.VRID, in.Interval.Milliseconds())
			for _, a := range in.VIPs {
				kw := "ip"
				if a.Is6() {
					kw = "ipv6"
				}
				fmt.Fprintf(&b, " vrrp %d %s %s\n", in.VRID, kw, a)
			}
		}
		b.WriteString("!\n")
	}
	return []byte(b.String())
}

// ZebraConfig is the zebra.conf of a run: a hostname and microsecond log
// timestamps, nothing else (zebra installs no route of its own).
func ZebraConfig(hostname string) []byte {
	return []byte(fmt.Sprintf("! Written by nlstress for one run; do not edit.\nhostname %s\nlog timestamp precision 6\n!\n", hostname))
}
