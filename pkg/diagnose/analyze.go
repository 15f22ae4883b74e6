// Package diagnose is nlstress's read-only look at a live host: its
// netlink sockets and their drops, the rmem sysctls, and a keepalived
// configuration with advice on the monitor buffer it needs. It creates no
// namespace, changes no setting and sends nothing on the wire.
package diagnose

import (
	"fmt"
	"math"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/target"
)

// Per-message truesize of one link transition, per VRID, as measured by
// nlstress's oracle on kernel 6.x (see ../shared/background.md and
// nlstress run; scripts/calibrate.sh and results/calibration.tsv hold the
// model against keepalived 2.2.7): what each configured object adds to the
// storm a flap of its interface makes.
const (
	BytesPerVMAC  = 2300 // RTM_NEWLINK of the VMAC
	BytesPerVIP   = 832  // RTM_NEWADDR/RTM_DELADDR of a virtual address, IPv4 or IPv6
	BytesPerRoute = 832  // RTM_DELROUTE/RTM_NEWROUTE of an IPv4 route
	// BytesPerRoute6 is an IPv6 route message: a virtual route, or one a
	// virtual address brings (measured 1280 B against IPv4's 832).
	BytesPerRoute6 = 1280
	BytesPerRule   = 832 // RTM_DELRULE/RTM_NEWRULE of a virtual rule
	// BytesPerVIPRoute is one IPv4 route message a virtual address brings
	// with it (its local route; for a prefix shorter than a host's, also
	// its prefix and broadcast routes): keepalived reads them when it
	// listens to the route groups, that is when any instance has virtual
	// routes or rules.
	BytesPerVIPRoute = 832
	// BytesBase is one interface's own messages: its RTM_NEWLINKs and
	// its IPv6 link-local address.
	BytesBase = 3*2300 + 832
	// VMAC6Addrs is the address messages an IPv6 VMAC adds on an admin
	// flap: its link-local address goes and comes back (measured: 512
	// RTM_DELADDR and 255 RTM_NEWADDR on the link-down of 255 IPv6 VMACs,
	// where IPv4 VMACs make 256 RTM_DELADDR).
	VMAC6Addrs = 2
	// Headroom is what the estimate adds to the sum of the per-message
	// figures: a message's truesize varies with its attributes (measured
	// 830 to 835 B for address and route messages), and an estimate a
	// little high costs memory, one a little low costs the link-up. With
	// it the estimate is 1.10 times the oracle's storm for 255 instances
	// with 4 VIPs and 2 virtual routes each.
	Headroom = 1.10
)

// vipRoutes is how many route messages the kernel sends when a virtual
// address (as written in virtual_ipaddress: "10.0.0.1/24 dev eth2 ...")
// comes or goes: in IPv4 its local route, and for a prefix shorter than a
// host route its prefix and broadcast routes; in IPv6 its local route and
// its prefix route, a /128 included. v6 reports an IPv6 address.
func vipRoutes(vip string) (n int, v6 bool) {
	switch a, bits, ok := kaconf.ParseVIP(vip); {
	case !ok:
		return 0, false
	case a.Is6():
		return 2, true
	case bits == -1 || bits == 32:
		return 1, false
	}
	return 3, false
}

// Analysis is a keepalived configuration's analysis.
type Analysis struct {
	Conf      string        `json:"conf"`
	Instances int           `json:"instances"`
	Config    kaconf.Config `json:"config"`
	Estimate  Estimate      `json:"estimate"`
	Findings  []Finding     `json:"findings"`
	// Measure is the command that measures instead of estimating: a
	// sweep of the real keepalived replaying this configuration.
	Measure string `json:"measure"`
}

// Estimate is the storm of one link flap and the buffer it needs.
type Estimate struct {
	// Interface names the interfaces whose flap is estimated: every one
	// an instance runs on or tracks, failing together (a switch reboot),
	// so that the advice holds for any of them failing alone too.
	Interface  string `json:"interface"`
	Interfaces int    `json:"interfaces"`
	Instances  int    `json:"instances"`
	// VMACs counts use_vmac and use_ipvlan interfaces: each sends its
	// RTM_NEWLINK when its parent changes state (an ipvlan's charged as a
	// VMAC's, not measured on its own).
	VMACs int `json:"vmacs"`
	// VMACAddrs are the extra address messages of IPv6 VMACs.
	VMACAddrs int `json:"vmac_addrs"`
	VIPs      int `json:"vips"`
	Routes    int `json:"routes"`
	Rules     int `json:"rules"`
	// VIPRoutes are the route messages the virtual addresses bring, for
	// the families whose route group keepalived joins (RouteGroups).
	VIPRoutes int `json:"vip_routes"`
	// RouteGroups are the route and rule groups keepalived's monitor
	// joins; Routes and Rules count only those of joined groups, which are
	// all that reach it.
	RouteGroups kaconf.RouteGroups `json:"route_groups"`
	// Routes6 is how many of Routes and VIPRoutes are IPv6, charged at
	// BytesPerRoute6.
	Routes6 int `json:"routes6"`
	// Storm is the estimated truesize of one transition, bytes.
	Storm int64 `json:"storm"`
	// Configured is the monitor buffer keepalived gets with this
	// configuration on this host: doubled, capped by rmem_max without
	// force.
	Configured     int64                 `json:"configured"`
	CappedByRmem   bool                  `json:"capped_by_rmem_max"`
	Recommendation result.Recommendation `json:"recommendation"`
}

// EstimateStorm works out the storm of the configuration's interfaces
// failing together and whether the configured buffer holds it, for a host
// whose net.core.rmem_max is rmemMax.
func EstimateStorm(c kaconf.Config, rmemMax int64) Estimate {
	var e Estimate
	e.RouteGroups = c.MonitorRouteGroups()
	var names []string
	seen := map[string]bool{}
	flapped := func(ifaces ...string) {
		for _, ifc := range ifaces {
			if ifc != "" && !seen[ifc] {
				seen[ifc] = true
				names = append(names, ifc)
			}
		}
	}
	for _, in := range c.Instances {
		flapped(in.Interface)
		flapped(in.TrackIfaces...)
		e.Instances++
		if in.VMAC || in.IPVLAN {
			e.VMACs++
			if in.Family == 6 {
				e.VMACAddrs += VMAC6Addrs
			}
		}
		e.VIPs += len(in.AllVIPs())
		for _, v := range in.AllVIPs() {
			n, v6 := vipRoutes(v)
			fam := 4
			if v6 {
				fam = 6
			}
			if !e.RouteGroups.Routes(fam) {
				continue
			}
			e.VIPRoutes += n
			if v6 {
				e.Routes6 += n
			}
		}
		for _, r := range in.Routes {
			f := kaconf.RouteFamily(r)
			if !e.RouteGroups.Routes(f) {
				continue
			}
			e.Routes++
			if f == 6 {
				e.Routes6++
			}
		}
		for _, r := range in.Rules {
			if e.RouteGroups.Rules(kaconf.RuleFamily(r)) {
				e.Rules++
			}
		}
	}
	for _, g := range c.SyncGroups {
		flapped(g.TrackIfaces...)
	}
	e.Interface, e.Interfaces = strings.Join(names, ", "), len(names)
	if e.Interfaces > 1 {
		e.Interface += " together"
	}
	sum := int64(e.Interfaces)*BytesBase + int64(e.VMACs)*BytesPerVMAC + int64(e.VIPs+e.VMACAddrs)*BytesPerVIP +
		int64(e.VIPRoutes+e.Routes-e.Routes6)*BytesPerRoute + int64(e.Routes6)*BytesPerRoute6 + int64(e.Rules)*BytesPerRule
	e.Storm = int64(math.Ceil(float64(sum) * Headroom))
	// keepalived's own default (no rcv_bufs lines) is a plain request
	// too, so rmem_max caps it as well.
	request, force := int64(scenario.KeepalivedDefaultRcvBuf), false
	if c.RcvBufs > 0 {
		request, force = c.RcvBufs, c.Force
	}
	e.Configured = nlmon.Granted(request, force, rmemMax)
	e.CappedByRmem = nlmon.Capped(request, e.Configured, force)
	e.Recommendation = result.Recommend(uint64(e.Storm), result.DefaultMargin, e.Configured, target.KeepalivedLines)
	return e
}

// Finding is one piece of advice, with the lines to paste where there are
// any.
type Finding struct {
	Severity string   `json:"severity"` // "problem", "warning" or "advice"
	Text     string   `json:"text"`
	Paste    []string `json:"paste,omitempty"`
	// Where says where Paste goes ("global_defs").
	Where string `json:"where,omitempty"`
}

// Advise turns the analysis into findings.
func Advise(c kaconf.Config, e Estimate) []Finding {
	var out []Finding
	if len(c.Instances) == 0 {
		return []Finding{{Severity: "warning", Text: "no vrrp_instance in the file or what it includes: nothing to size " +
			"(an include that matches no file, @ID lines for another --config-id, or not a keepalived configuration)"}}
	}
	setting := "keepalived's default (64 KiB, doubled to 131072)"
	if c.RcvBufs > 0 {
		setting = fmt.Sprintf("vrrp_netlink_monitor_rcv_bufs %d", c.RcvBufs)
		if c.Force {
			setting += " with _force"
		}
	}
	if c.Force && nlmon.Wraps(c.RcvBufs) {
		out = append(out, Finding{Severity: "problem",
			Text: fmt.Sprintf("vrrp_netlink_monitor_rcv_bufs %d with _force: keepalived hands the kernel a C int, negative from 2^31 on, and the kernel then grants its minimum, %d bytes; stay below 2147483648", c.RcvBufs, nlmon.SockMinRcvBuf)})
	}
	if e.CappedByRmem {
		out = append(out, Finding{Severity: "problem",
			Text:  fmt.Sprintf("vrrp_netlink_monitor_rcv_bufs %d without _force is capped by net.core.rmem_max: the monitor gets %d, not %d", c.RcvBufs, e.Configured, 2*c.RcvBufs),
			Paste: []string{"vrrp_netlink_monitor_rcv_bufs_force"}, Where: "global_defs"})
	}
	if !e.Recommendation.Enough {
		out = append(out, Finding{Severity: "problem",
			Text: fmt.Sprintf("a flap of %s (%d instances, %d VMACs, %d VIPs and the %d route messages they bring, %d routes, %d rules) makes a storm of about %d bytes; %s gives the monitor %d: it will overrun, and keepalived never re-reads what it lost",
				e.Interface, e.Instances, e.VMACs, e.VIPs, e.VIPRoutes, e.Routes, e.Rules, e.Storm, setting, e.Configured),
			Paste: e.Recommendation.Paste.Lines, Where: "global_defs"})
	} else {
		out = append(out, Finding{Severity: "advice",
			Text: fmt.Sprintf("a flap of %s makes a storm of about %d bytes; %s gives the monitor %d, which holds it with %d%% margin", e.Interface, e.Storm, setting, e.Configured, int(e.Recommendation.Margin*100))})
	}
	out = append(out, duplicates(c)...)
	out = append(out, broadcastVIPs(c)...)
	notify := 0
	for _, in := range c.Instances {
		if in.NotifyScript {
			notify++
		}
	}
	if notify > 10 {
		out = append(out, Finding{Severity: "advice",
			Text: fmt.Sprintf("%d instances run notify scripts: a flap forks them all at once, while the monitor is not being read; prefer one notify_fifo reader", notify)})
	}
	out = append(out, realTime(c)...)
	out = append(out, complaints(c)...)
	return out
}

// maxComplaints is how many of keepalived -t's complaints diagnose lists
// one by one.
const maxComplaints = 5

// complaints are what keepalived -t reports about the file while it still
// runs it (kaconf.Config.Complaints), as advice: a route it cannot track
// also makes no route messages reach its monitor.
func complaints(c kaconf.Config) []Finding {
	var out []Finding
	for i, m := range c.Complaints {
		if i == maxComplaints {
			out = append(out, Finding{Severity: "advice", Text: fmt.Sprintf("keepalived -t: %d more complaints like these", len(c.Complaints)-i)})
			break
		}
		out = append(out, Finding{Severity: "advice", Text: "keepalived -t: " + m})
	}
	return out
}

// SafeRlimitRTTime is the vrrp_rlimit_rttime diagnose pastes beside a
// vrrp_rt_priority: with it (and with 100 ms) keepalived 2.2.7 started 8,
// 32 and 255 use_vmac instances at priority 50 in 3 of 3 tries each, where
// its default limit (kaconf.DefaultRlimitRTTime) had the VRRP process
// killed at start in 3 of 3 with 32 and 255 (scripts/rt-priority-start.sh,
// results/FINDINGS.md).
const SafeRlimitRTTime = time.Second

// measuredRlimitRTTime is the smallest limit measured to let 255 use_vmac
// instances start at real-time priority; below it diagnose warns.
const measuredRlimitRTTime = 100 * time.Millisecond

// realTime finds a vrrp_rt_priority whose time limit keepalived's VRRP
// process cannot start within. The incident thread's advice to add
// vrrp_rt_priority is not repeated: alone it kills keepalived at the scale
// it is advised for, and its effect on the loss has not been measured.
func realTime(c kaconf.Config) []Finding {
	limit := c.RlimitRTTime
	if limit == 0 {
		limit = kaconf.DefaultRlimitRTTime
	}
	if c.RTPriority == 0 || limit >= measuredRlimitRTTime {
		return nil
	}
	scale := "measured on keepalived 2.2.7: killed in 3 of 3 starts with 32 and with 255 use_vmac instances, once with 8"
	if len(c.Instances) > 255 {
		scale += "; not measured beyond 255"
	}
	return []Finding{{Severity: "problem",
		Text: fmt.Sprintf("vrrp_rt_priority %d with a real-time limit of %v: keepalived's VRRP process uses more CPU than that without sleeping while it starts %d instance(s), and the kernel kills it (\"has rlimit_rttime been exceeded?\"), again at every respawn, with no instance MASTER (%s)",
			c.RTPriority, limit, len(c.Instances), scale),
		Paste: []string{fmt.Sprintf("vrrp_rlimit_rttime %d", SafeRlimitRTTime.Microseconds())}, Where: "global_defs"}}
}

// duplicates finds routes and rules that more than one instance manages:
// each deletes what the other still needs.
func duplicates(c kaconf.Config) []Finding {
	var out []Finding
	for _, kind := range []string{"route", "rule"} {
		owners := map[string][]string{}
		for _, in := range c.Instances {
			list := in.Routes
			if kind == "rule" {
				list = in.Rules
			}
			for _, r := range list {
				key := r
				if f := strings.Fields(r); kind == "route" && len(f) > 0 {
					key = f[0] // the destination
					if key == "src" && len(f) > 2 {
						key = f[2]
					}
				}
				owners[key] = append(owners[key], in.Name)
			}
		}
		keys := make([]string, 0, len(owners))
		for k, v := range owners {
			if len(v) > 1 {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, Finding{Severity: "problem",
				Text: fmt.Sprintf("virtual %s %s is managed by %d instances (%s): keep each instance's routes and rules separate", kind, k, len(owners[k]), strings.Join(first(owners[k], 4), ", "))})
		}
	}
	return out
}

// broadcastVIPs finds virtual addresses equal to their subnet's broadcast
// address.
func broadcastVIPs(c kaconf.Config) []Finding {
	var out []Finding
	for _, in := range c.Instances {
		for _, v := range in.AllVIPs() {
			f := strings.Fields(v)
			if len(f) == 0 {
				continue
			}
			p, err := netip.ParsePrefix(f[0])
			if err != nil || !p.Addr().Is4() || p.Bits() >= 31 {
				continue
			}
			if p.Addr() == lastAddr(p) && !strings.Contains(v, "brd") {
				out = append(out, Finding{Severity: "problem",
					Text:  fmt.Sprintf("%s: virtual address %s is its subnet's broadcast address", in.Name, f[0]),
					Paste: []string{fmt.Sprintf("%s brd +", f[0])}, Where: "virtual_ipaddress of " + in.Name})
			}
		}
	}
	return out
}

// lastAddr is the highest address of p (the IPv4 broadcast).
func lastAddr(p netip.Prefix) netip.Addr {
	a := p.Masked().Addr().As4()
	v := uint32(a[0])<<24 | uint32(a[1])<<16 | uint32(a[2])<<8 | uint32(a[3]) | (1<<(32-p.Bits()) - 1)
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

func first(s []string, n int) []string {
	if len(s) > n {
		return append(s[:n:n], "...")
	}
	return s
}

// analyzeConf parses and analyses a keepalived configuration, reading its
// @ID lines with configID ("" for the host's short name).
func analyzeConf(path, configID string, rmemMax int64) (Analysis, error) {
	c, err := kaconf.Read(path, kaconf.Options{ConfigID: configID})
	if err != nil {
		return Analysis{}, err
	}
	if len(c.Instances) == 0 {
		// Nothing to size: no estimate, and no line to paste.
		return Analysis{Conf: path, Config: c, Findings: Advise(c, Estimate{})}, nil
	}
	e := EstimateStorm(c, rmemMax)
	measure := "nlstress sweep --target keepalived --keepalived-conf " + shellQuote(path)
	if configID != "" {
		measure += " --config-id " + shellQuote(configID)
	}
	return Analysis{Conf: path, Instances: len(c.Instances), Config: c, Estimate: e, Findings: Advise(c, e), Measure: measure}, nil
}

// shellQuote quotes a path for a command line when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
