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
}

// DroppedLine is what BIRD logs when the kernel dropped messages of its
// netlink socket ("Kernel dropped some netlink messages, will resync on
// next scan.").
const DroppedLine = "Kernel dropped some netlink messages"

// Render is bird.conf for c, logging to stderr (nlstress keeps it as
// bird.log): the device protocol at c's scan time,
// direct for both families, and a kernel protocol per family that
// learns the kernel's routes and exports none (BIRD changes nothing in
// the lab).
func Render(c Config) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# written by nlstress\nlog stderr all;\nrouter id %s;\n", c.RouterID)
	fmt.Fprintf(&b, "protocol device {\n  scan time %d;\n}\n", max(1, int(c.ScanTime.Round(time.Second)/time.Second)))
	b.WriteString("protocol direct {\n  ipv4;\n  ipv6;\n}\n")
	for _, family := range []string{"ipv4", "ipv6"} {
		fmt.Fprintf(&b, "protocol kernel kernel_%s {\n  %s { import all; export none; };\n  learn;\n", family, family)
		if c.RxBuffer > 0 {
			fmt.Fprintf(&b, "  netlink rx buffer %d;\n", c.RxBuffer)
		}
		b.WriteString("}\n")
	}
	return []byte(b.String())
}
