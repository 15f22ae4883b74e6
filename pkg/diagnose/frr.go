package diagnose

import (
	"fmt"
	"math"
	"sort"

	"github.com/nlstress/nlstress/pkg/frr"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/target"
)

// Where FRR keeps its configuration and the options its init script
// starts zebra with.
const (
	DefaultFRRConf    = "/etc/frr/frr.conf"
	DefaultFRRDaemons = "/etc/frr/daemons"
)

// What one macvlan adds to the storm zebra's listening socket takes on a
// flap of its parent: its link message, its address and link-local
// address, their routes, its neighbours. Measured by nlstress's oracle on
// zebra's groups: 1.18 MB of truesize on the link-down of 255 IPv4
// macvlans with one address each, 4627 B per macvlan (nlstress run
// --target frr --vrids 255 --vrrp-version 2 --flaps 3, kernel 6.18); a
// further address adds its own message and its local route's. IPv6
// macvlans were not measured separately: they are charged the same.
const (
	ZebraBytesPerMacvlan = 4700
	ZebraBytesPerAddress = BytesPerVIP + BytesPerVIPRoute
)

// FRRReport is what diagnose found of FRR: the running zebras with their
// sockets and buffer, and a frr.conf's VRRP part sized against it.
type FRRReport struct {
	Zebras   []ZebraProcess `json:"zebras,omitempty"`
	Analysis *FRRAnalysis   `json:"analysis,omitempty"`
}

// FRRAnalysis is a frr.conf's VRRP part sized against zebra's buffer.
type FRRAnalysis struct {
	Conf    string           `json:"conf"`
	Routers []frr.ConfRouter `json:"routers"`
	// Largest is the interface with the most macvlans, and Macvlans
	// their number: its flap makes the largest storm.
	Largest  string `json:"largest_interface"`
	Macvlans int    `json:"macvlans"`
	// ExtraAddrs are the addresses beyond one per macvlan there.
	ExtraAddrs int `json:"extra_addresses"`
	// Storm is the estimated truesize of that interface's flap, bytes.
	Storm int64 `json:"storm"`
	// NLBufSize is zebra's --nl-bufsize and NLBufFrom where it was
	// read; Configured is what the kernel grants (doubled: zebra forces
	// it, so net.core.rmem_max does not cap it).
	NLBufSize      int64                 `json:"nl_bufsize_bytes"`
	NLBufFrom      string                `json:"nl_bufsize_from"`
	Configured     int64                 `json:"configured_bytes"`
	Recommendation result.Recommendation `json:"recommendation"`
	Findings       []Finding             `json:"findings"`
	// Measure is the command that measures instead of estimating.
	Measure string `json:"measure"`
}

// ZebraProcess is a running zebra and its two sockets with groups:
// "netlink-listen" (links, routes, neighbours: what tells vrrpd and every
// other daemon about links) and "netlink-dp-in" (addresses and netconf,
// read by its dataplane thread). Either overrunning loses messages, or
// kills zebra when the error reaches its read.
type ZebraProcess struct {
	PID         int     `json:"pid"`
	NLBufSize   int64   `json:"nl_bufsize_bytes"` // 0: not on its command line (zebra's default)
	Listen      *Socket `json:"listen_socket,omitempty"`
	DataplaneIn *Socket `json:"dataplane_in_socket,omitempty"`
}

// AnalyzeFRR sizes a frr.conf's VRRP routers against zebra's buffer of
// nlbuf bytes (from: where that figure comes from).
func AnalyzeFRR(conf string, routers []frr.ConfRouter, nlbuf int64, from string) FRRAnalysis {
	a := FRRAnalysis{Conf: conf, Routers: routers, NLBufSize: nlbuf, NLBufFrom: from, Configured: 2 * nlbuf}
	per := map[string][2]int{} // interface → macvlans, extra addresses
	for _, r := range routers {
		v := per[r.Interface]
		v[0] += r.Macvlans()
		v[1] += max(r.V4-1, 0) + max(r.V6-1, 0)
		per[r.Interface] = v
	}
	names := make([]string, 0, len(per))
	for n := range per {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if v := per[n]; v[0] > a.Macvlans {
			a.Largest, a.Macvlans, a.ExtraAddrs = n, v[0], v[1]
		}
	}
	sum := int64(a.Macvlans)*ZebraBytesPerMacvlan + int64(a.ExtraAddrs)*ZebraBytesPerAddress + BytesBase
	a.Storm = int64(math.Ceil(float64(sum) * Headroom))
	a.Recommendation = result.Recommend(uint64(a.Storm), result.DefaultMargin, a.Configured, target.ZebraOption)
	a.Measure = fmt.Sprintf("nlstress sweep --target frr --vrids %d", max(a.Macvlans, 1))
	a.Findings = adviseFRR(a)
	return a
}

// adviseFRR turns the analysis into findings. Like keepalived's advice it
// never advises a buffer below what holds the estimated storm whole with
// the margin, nor below zebra's own default.
func adviseFRR(a FRRAnalysis) []Finding {
	if len(a.Routers) == 0 {
		return []Finding{{Severity: "advice", Text: "no vrrp router in the configuration: nothing to size"}}
	}
	var out []Finding
	if a.Recommendation.Enough {
		out = append(out, Finding{Severity: "advice",
			Text: fmt.Sprintf("a flap of %s (%d macvlans) makes a storm of about %d bytes on zebra's listening socket; --nl-bufsize %d (%s) gives it %d, which holds it with %d%% margin",
				a.Largest, a.Macvlans, a.Storm, a.NLBufSize, a.NLBufFrom, a.Configured, int(a.Recommendation.Margin*100))})
	} else {
		out = append(out, Finding{Severity: "problem",
			Text: fmt.Sprintf("a flap of %s (%d macvlans) makes a storm of about %d bytes on zebra's listening socket; --nl-bufsize %d (%s) gives it %d: it will overrun, "+
				"and zebra 8.4 then either loses the messages unknowingly (its MSG_PEEK takes the ENOBUFS) or exits on it",
				a.Largest, a.Macvlans, a.Storm, a.NLBufSize, a.NLBufFrom, a.Configured),
			Paste: a.Recommendation.Paste.Lines, Where: "zebra's options (zebra_options in /etc/frr/daemons)"})
	}
	if a.NLBufSize < int64(scenario.FRRDefaultNLBufSize) {
		out = append(out, Finding{Severity: "advice",
			Text: fmt.Sprintf("--nl-bufsize %d is below zebra's own default (%d): zebra warns of it at start, and it saves little memory", a.NLBufSize, int64(scenario.FRRDefaultNLBufSize))})
	}
	return out
}
