// Package nlmon is the rtnetlink monitor under test and its oracle: a
// socket joined to rtnetlink multicast groups with a chosen receive buffer,
// a reader that decodes link, address, route and rule notifications without
// allocating, the ENOBUFS accounting, and the overrun policies that decide
// whether a daemon ever learns what it missed.
package nlmon

import (
	"fmt"
	"strings"
)

// Group is an rtnetlink multicast group (RTNLGRP_*, linux/rtnetlink.h).
type Group uint32

// The groups a VRRP daemon's monitor joins.
const (
	GroupLink       Group = 1  // RTNLGRP_LINK
	GroupNeigh      Group = 3  // RTNLGRP_NEIGH
	GroupIPv4Addr   Group = 5  // RTNLGRP_IPV4_IFADDR
	GroupIPv4MRoute Group = 6  // RTNLGRP_IPV4_MROUTE
	GroupIPv4Route  Group = 7  // RTNLGRP_IPV4_ROUTE
	GroupIPv4Rule   Group = 8  // RTNLGRP_IPV4_RULE
	GroupIPv6Addr   Group = 9  // RTNLGRP_IPV6_IFADDR
	GroupIPv6Route  Group = 11 // RTNLGRP_IPV6_ROUTE
	GroupIPv6Rule   Group = 19 // RTNLGRP_IPV6_RULE
	GroupNexthop    Group = 32 // RTNLGRP_NEXTHOP
)

var groupNames = map[Group]string{
	GroupLink: "link", GroupNeigh: "neigh", GroupIPv4Addr: "ipv4-ifaddr", GroupIPv6Addr: "ipv6-ifaddr",
	GroupIPv4Route: "ipv4-route", GroupIPv6Route: "ipv6-route",
	GroupIPv4Rule: "ipv4-rule", GroupIPv6Rule: "ipv6-rule", GroupIPv4MRoute: "ipv4-mroute", GroupNexthop: "nexthop",
}

// String names the group as nlstress reports it ("link", "ipv4-ifaddr").
func (g Group) String() string {
	if n, ok := groupNames[g]; ok {
		return n
	}
	return fmt.Sprintf("group%d", uint32(g))
}

// KeepalivedGroups are the groups keepalived's VRRP monitor socket joins
// when no virtual routes or rules are tracked.
var KeepalivedGroups = []Group{GroupLink, GroupIPv4Addr, GroupIPv6Addr}

// RouteGroups are the groups keepalived adds for tracked virtual routes and
// rules.
var RouteGroups = []Group{GroupIPv4Route, GroupIPv6Route, GroupIPv4Rule, GroupIPv6Rule}

// ZebraGroups are the groups FRR 8.4's zebra joins on its listening socket
// ("netlink-listen", zebra/kernel_netlink.c): links, addresses, routes,
// neighbours, rules and nexthops. (It also joins RTNLGRP_TUNNEL, which
// nothing in a lab sends to.)
var ZebraGroups = []Group{GroupLink, GroupNeigh, GroupIPv4Addr, GroupIPv4MRoute, GroupIPv4Route, GroupIPv4Rule,
	GroupIPv6Addr, GroupIPv6Route, GroupIPv6Rule, GroupNexthop}

// ParseGroup reads a group name as String prints it.
func ParseGroup(s string) (Group, error) {
	for g, n := range groupNames {
		if strings.EqualFold(s, n) {
			return g, nil
		}
	}
	return 0, fmt.Errorf("unknown rtnetlink group %q", s)
}
