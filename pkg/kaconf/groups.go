package kaconf

import (
	"net/netip"
	"strings"
)

// RouteGroups says which of the route and rule multicast groups
// keepalived's VRRP monitor socket joins beside its link and address
// groups (keepalived_netlink.c, set_extra_netlink_monitoring). keepalived
// 2.2.7 joins a family's route group when some vrrp_instance has a virtual
// route of that family that it tracks, or a static route of that family
// has a track_group; the rule groups alike (vrrp.c, vrrp_complete_instance
// and process_static_entries). Every route or rule message of a joined
// group then reaches the monitor: keepalived's own deletes at FAULT, and
// the local and prefix routes each virtual address brings.
type RouteGroups struct {
	IPv4Routes bool `json:"ipv4_routes"`
	IPv6Routes bool `json:"ipv6_routes"`
	IPv4Rules  bool `json:"ipv4_rules"`
	IPv6Rules  bool `json:"ipv6_rules"`
}

// Any reports whether any route or rule group is joined.
func (g RouteGroups) Any() bool { return g.IPv4Routes || g.IPv6Routes || g.IPv4Rules || g.IPv6Rules }

// Routes reports whether the route group of a family (4 or 6) is joined.
func (g RouteGroups) Routes(family int) bool {
	if family == 6 {
		return g.IPv6Routes
	}
	return g.IPv4Routes
}

// Rules reports whether the rule group of a family (4 or 6) is joined.
func (g RouteGroups) Rules(family int) bool {
	if family == 6 {
		return g.IPv6Rules
	}
	return g.IPv4Rules
}

// MonitorRouteGroups is the route and rule groups keepalived's monitor
// joins for this configuration.
func (c Config) MonitorRouteGroups() RouteGroups {
	var g RouteGroups
	route := func(family int) {
		if family == 6 {
			g.IPv6Routes = true
		} else {
			g.IPv4Routes = true
		}
	}
	rule := func(family int) {
		if family == 6 {
			g.IPv6Rules = true
		} else {
			g.IPv4Rules = true
		}
	}
	for _, in := range c.Instances {
		for _, r := range in.Routes {
			if RouteTracked(r) {
				route(RouteFamily(r))
			}
		}
		for _, r := range in.Rules {
			if RuleTracked(r) {
				rule(RuleFamily(r))
			}
		}
	}
	for _, r := range c.StaticRoutes {
		// keepalived drops a static route's track_group without a dev.
		if hasWord(r, "track_group") && word(r, "dev") != "" {
			route(RouteFamily(r))
		}
	}
	for _, r := range c.StaticRules {
		if hasWord(r, "track_group") && (word(r, "dev") != "" || word(r, "iif") != "") {
			rule(RuleFamily(r))
		}
	}
	return g
}

// RouteTracked reports whether keepalived tracks a virtual route as
// written: not marked no_track, and with an interface ("dev X" outside a
// nexthop), without which keepalived 2.2.7 says "cannot track route ...
// with no interface specified, not tracking".
func RouteTracked(route string) bool {
	if hasWord(route, "no_track") {
		return false
	}
	head, _, _ := strings.Cut(" "+route+" ", " nexthop ")
	return word(head, "dev") != ""
}

// RuleTracked reports whether keepalived tracks a virtual rule as
// written: unless it is marked no_track.
func RuleTracked(rule string) bool { return !hasWord(rule, "no_track") }

// RouteFamily is 6 for an IPv6 route as written ("inet6", or an IPv6
// destination or address), else 4.
func RouteFamily(route string) int { return family(route) }

// RuleFamily is 6 for an IPv6 rule as written ("inet6", or an IPv6
// from or to address), else 4, keepalived's default.
func RuleFamily(rule string) int { return family(rule) }

// family is 6 when the text says inet6 or its first address is IPv6.
func family(text string) int {
	for _, w := range strings.Fields(text) {
		switch w {
		case "inet6":
			return 6
		case "inet":
			return 4
		}
		if p, err := netip.ParsePrefix(w); err == nil {
			return addrFamily(p.Addr())
		}
		if a, err := netip.ParseAddr(w); err == nil {
			return addrFamily(a)
		}
	}
	return 4
}

func addrFamily(a netip.Addr) int {
	if a.Is4() || a.Is4In6() {
		return 4
	}
	return 6
}

// hasWord reports w as a word of text.
func hasWord(text, w string) bool {
	for _, f := range strings.Fields(text) {
		if f == w {
			return true
		}
	}
	return false
}

// word is the word after key in text ("dev eth2" gives eth2), "" when
// key is not there.
func word(text, key string) string {
	f := strings.Fields(text)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == key {
			return f[i+1]
		}
	}
	return ""
}
