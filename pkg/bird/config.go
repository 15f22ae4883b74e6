// Package bird runs BIRD 2 as a netlink consumer under test: the
// configuration nlstress writes for it (device, direct and kernel
// protocols), its process in a lab namespace, and its control socket,
// asked which links BIRD believes up.
//
// BIRD follows links, addresses and routes on one netlink socket, joined
// to the link, IPv4/IPv6 address and IPv4/IPv6 route groups. Unlike
// keepalived and zebra it notices an overrun ("Kernel dropped some
// netlink messages, will resync on next scan") and rescans every link at
// the device protocol's next scan: its view is stale for up to one scan
// time, then right again.
package bird

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Config is what nlstress writes into bird.conf.
type Config struct {
	// RouterID is BIRD's router id (an IPv4 address).
	RouterID string
	// ScanTime is the device protocol's scan time, whole seconds: how
	// often BIRD rescans every link, and so how long a link whose last
	// message was lost stays wrong in its view at most (BIRD's own
	// default is 60 s).
	ScanTime time.Duration
	// RxBuffer is the kernel protocols' "netlink rx buffer" (BIRD sets
	// it with SO_RCVBUFFORCE; the kernel doubles it); 0 leaves BIRD's
	// socket at net.core.rmem_default.
	RxBuffer int64
	// OSPF, when set, runs OSPF on one of the lab's links.
	OSPF *OSPF
}

// OSPF is OSPFv2 in area 0 on one interface, point-to-point, with a
// hello every second and a neighbour dead after three missed: an
// adjacency that drops at once when the link goes down and forms again
// within seconds of it coming up. A side with Originate > 0 (the lab's
// peer) originates that many /32 routes from OriginatePrefix, as
// externals of static blackholes; a side without (the subject) learns
// them and installs them in the kernel, so that every flap withdraws
// them and installs them again: route messages in BIRD's own storm.
type OSPF struct {
	Interface string
	Originate int
}

// OriginatePrefix holds the routes an OSPF side originates: the i-th is
// the i-th address of it, as a /32. 2^23 addresses, far more than
// anyone asks for.
var OriginatePrefix = netip.MustParsePrefix("10.128.0.0/9")

// Originated is the i-th route a side originates (from 0).
func Originated(i int) netip.Prefix {
	a := OriginatePrefix.Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3])
	v += uint32(i)
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), 32)
}

// ospfSources are BIRD's route sources of OSPF, those the subject exports
// to the kernel.
const ospfSources = "[ RTS_OSPF, RTS_OSPF_IA, RTS_OSPF_EXT1, RTS_OSPF_EXT2 ]"

// DroppedLine is what BIRD logs when the kernel dropped messages of its
// netlink socket ("Kernel dropped some netlink messages, will resync on
// next scan.").
const DroppedLine = "Kernel dropped some netlink messages"

// Render is bird.conf for c, logging to stderr (nlstress keeps it as
// bird.log): the device protocol at c's scan time,
// direct for both families, and a kernel protocol per family that
// learns the kernel's routes and exports none (BIRD changes nothing in
// the lab) or, on a side that learns routes over OSPF, exports those.
func Render(c Config) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# written by nlstress\nlog stderr all;\nrouter id %s;\n", c.RouterID)
	fmt.Fprintf(&b, "protocol device {\n  scan time %d;\n}\n", max(1, int(c.ScanTime.Round(time.Second)/time.Second)))
	b.WriteString("protocol direct {\n  ipv4;\n  ipv6;\n}\n")
	for _, family := range []string{"ipv4", "ipv6"} {
		export := "none"
		if family == "ipv4" && c.OSPF != nil && c.OSPF.Originate == 0 {
			export = "where source ~ " + ospfSources
		}
		fmt.Fprintf(&b, "protocol kernel kernel_%s {\n  %s { import all; export %s; };\n  learn;\n", family, family, export)
		if c.RxBuffer > 0 {
			fmt.Fprintf(&b, "  netlink rx buffer %d;\n", c.RxBuffer)
		}
		b.WriteString("}\n")
	}
	if o := c.OSPF; o != nil {
		export := "none"
		if o.Originate > 0 {
			export = "where source = RTS_STATIC"
			b.WriteString("protocol static originated {\n  ipv4;\n")
			for i := range o.Originate {
				fmt.Fprintf(&b, "  route %s blackhole;\n", Originated(i))
			}
			b.WriteString("}\n")
		}
		fmt.Fprintf(&b, "protocol ospf v2 lab_ospf {\n  ipv4 { import all; export %s; };\n  area 0 {\n    interface %q { type ptp; hello 1; dead count 3; };\n  };\n}\n",
			export, o.Interface)
	}
	return []byte(b.String())
}
