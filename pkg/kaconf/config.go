package kaconf

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Instance is what nlstress keeps of a vrrp_instance.
type Instance struct {
	Name      string `json:"name"`
	Interface string `json:"interface"`
	VRID      int    `json:"vrid"`
	// Priority is 1..255; 0 when not set (keepalived's default is 100).
	Priority int `json:"priority,omitempty"`
	// State is the configured initial state ("MASTER", "BACKUP"), "" when
	// not set.
	State string `json:"state,omitempty"`
	// AdvertInt is advert_int; 0 when not set (keepalived's default 1 s).
	AdvertInt time.Duration `json:"advert_int_ns,omitempty"`
	// Version is the instance's VRRP version, 2 or 3, as keepalived
	// settles it: its own version line, else 3 for IPv6, else global_defs'
	// vrrp_version, else 2.
	Version int `json:"version,omitempty"`
	// Family is 4 or 6: native_ipv6, or the family of the first virtual
	// address, as keepalived decides it.
	Family int  `json:"family"`
	VMAC   bool `json:"vmac"`
	// VMACName is use_vmac's interface name; "" means keepalived's own
	// ("vrrp.<vrid>", "vrrp6.<vrid>" for IPv6).
	VMACName string `json:"vmac_name,omitempty"`
	// IPVLAN is use_ipvlan: keepalived makes an ipvlan interface for the
	// instance, which changes state with its parent as a VMAC does.
	IPVLAN       bool     `json:"ipvlan,omitempty"`
	VIPs         []string `json:"vips"`
	ExcludedVIPs []string `json:"excluded_vips,omitempty"`
	Routes       []string `json:"routes"`
	Rules        []string `json:"rules"`
	TrackIfaces  []string `json:"track_interface,omitempty"`
	TrackScripts int      `json:"track_scripts"`
	NotifyScript bool     `json:"notify_script"`
	UnicastSrc   string   `json:"unicast_src_ip,omitempty"`
	UnicastPeers []string `json:"unicast_peers,omitempty"`
	// McastDst is mcast_dst_ip; "" for the default group (224.0.0.18,
	// ff02::12; global_defs' vrrp_mcast_group4/6 is not read).
	McastDst string `json:"mcast_dst_ip,omitempty"`
	File     string `json:"file"`
	Line     int    `json:"line"`
}

// AllVIPs is the instance's virtual addresses, excluded ones included, as
// written ("10.0.0.1/24 dev eth3 label eth3:1").
func (in Instance) AllVIPs() []string {
	return append(append([]string{}, in.VIPs...), in.ExcludedVIPs...)
}

// VMACInterface is the name of the instance's VMAC: its use_vmac name, or
// keepalived's default "vrrp.<vrid>" ("vrrp6.<vrid>" for IPv6). It is ""
// without use_vmac.
func (in Instance) VMACInterface() string {
	switch {
	case !in.VMAC:
		return ""
	case in.VMACName != "":
		return in.VMACName
	case in.Family == 6:
		return fmt.Sprintf("vrrp6.%d", in.VRID)
	}
	return fmt.Sprintf("vrrp.%d", in.VRID)
}

// SyncGroup is a vrrp_sync_group: instances that change state together.
type SyncGroup struct {
	Name        string   `json:"name"`
	Members     []string `json:"members"`
	TrackIfaces []string `json:"track_interface,omitempty"`
	File        string   `json:"file"`
	Line        int      `json:"line"`
}

// Config is what nlstress keeps of a keepalived configuration.
type Config struct {
	Instances  []Instance  `json:"instances"`
	SyncGroups []SyncGroup `json:"sync_groups,omitempty"`
	// RcvBufs is vrrp_netlink_monitor_rcv_bufs (0: not set, or set to 0,
	// which keepalived reads as its default); Force is
	// vrrp_netlink_monitor_rcv_bufs_force.
	RcvBufs int64 `json:"vrrp_netlink_monitor_rcv_bufs"`
	Force   bool  `json:"vrrp_netlink_monitor_rcv_bufs_force"`
	// StaticRoutes and StaticRules are the static_routes and
	// static_rules entries as written ("10.9.0.0/16 dev eth2 track_group
	// G"): one with a track_group makes keepalived join its family's
	// route or rule group (MonitorRouteGroups).
	StaticRoutes []string `json:"static_routes,omitempty"`
	StaticRules  []string `json:"static_rules,omitempty"`
	// OtherRcvBufs are the other *_rcv_bufs keywords as written.
	OtherRcvBufs map[string]string `json:"other_rcv_bufs,omitempty"`
	NotifyFIFO   bool              `json:"notify_fifo"`
	// Version is global_defs' vrrp_version; 0 when not set.
	Version int `json:"vrrp_version,omitempty"`
	// RTPriority is vrrp_rt_priority, the SCHED_RR priority of keepalived's
	// VRRP process (1..99); 0 when not set.
	RTPriority int `json:"vrrp_rt_priority,omitempty"`
	// RlimitRTTime is vrrp_rlimit_rttime (or its old spelling
	// vrrp_rlimit_rtime): the CPU time the VRRP process may use at
	// real-time priority without sleeping before the kernel kills it; 0
	// when not set, which keepalived reads as DefaultRlimitRTTime.
	RlimitRTTime time.Duration `json:"vrrp_rlimit_rttime_ns,omitempty"`
	// Warnings are what keepalived would warn about and go on.
	Warnings []string `json:"warnings,omitempty"`
	// Complaints are what keepalived -t reports as configuration errors
	// (so that it exits non-zero) while keepalived still runs the file:
	// a route it cannot track for want of a dev, a rule without a
	// preference. Each names file:line.
	Complaints []string `json:"complaints,omitempty"`
	// ConfigID is the configuration id @ID lines were read with
	// (Options.ConfigID, or the host's short name).
	ConfigID string `json:"config_id,omitempty"`
}

// DefaultRlimitRTTime is keepalived's RLIMIT_RTTIME for a process at
// real-time priority when no *_rlimit_rttime line sets one
// (RT_RLIMIT_DEFAULT, 10000 us, in lib/process.h of 2.2.7).
const DefaultRlimitRTTime = 10 * time.Millisecond

// Read parses a keepalived configuration and extracts its instances and
// settings, rejecting what keepalived 2.2.7 rejects: errors wrap
// ErrConfig and name file:line.
func Read(path string, opt Options) (Config, error) {
	_, c, err := ReadWithNodes(path, opt)
	return c, err
}

// ReadWithNodes is Read that also returns the parsed statements, for a
// caller that rewrites them.
func ReadWithNodes(path string, opt Options) (File, Config, error) {
	f, err := ParseFile(path, opt)
	if err != nil {
		return File{}, Config{}, err
	}
	c, err := Extract(f.Nodes)
	c.Warnings = append(f.Warnings, c.Warnings...)
	c.ConfigID = f.ConfigID
	return f, c, err
}

// Extract reads instances, sync groups and buffer settings from parsed
// statements, with keepalived's checks.
func Extract(nodes []*Node) (Config, error) {
	c := Config{OtherRcvBufs: map[string]string{}}
	trackGroups := map[string]bool{} // track_group blocks read so far
	for _, n := range nodes {
		var err error
		switch n.Keyword {
		case "global_defs":
			err = c.global(n)
		case "vrrp_instance":
			var in Instance
			if in, err = instance(n); err == nil {
				c.Instances = append(c.Instances, in)
			}
			for _, b := range n.Block {
				switch b.Keyword {
				case "virtual_routes":
					c.Complaints = append(c.Complaints, routeComplaints(b.Block)...)
				case "virtual_rules":
					c.Complaints = append(c.Complaints, ruleComplaints(b.Block)...)
				}
			}
		case "vrrp_sync_group":
			c.SyncGroups = append(c.SyncGroups, syncGroup(n))
		case "track_group":
			trackGroups[n.Arg(0)] = true
		case "static_routes":
			c.Complaints = append(c.Complaints, routeComplaints(n.Block)...)
			c.StaticRoutes, err = static(c.StaticRoutes, n.Block, trackGroups)
		case "static_rules":
			c.Complaints = append(c.Complaints, ruleComplaints(n.Block)...)
			c.StaticRules, err = static(c.StaticRules, n.Block, trackGroups)
		}
		if err != nil {
			return c, err
		}
	}
	for i := range c.Instances {
		in := &c.Instances[i]
		// keepalived's vrrp_complete_instance: an IPv6 instance without
		// its own version line is VRRPv3 whatever global_defs says.
		switch {
		case in.Version != 0:
		case in.Family == 6:
			in.Version = 3
		case c.Version != 0:
			in.Version = c.Version
		default:
			in.Version = 2
		}
		switch {
		case in.Version == 2 && in.AdvertInt%time.Second != 0:
			return c, errorf(in.File, in.Line, "vrrp_instance %s: VRRPv2 advert_int %v: want whole seconds (or version 3)", in.Name, in.AdvertInt)
		case in.Version == 3 && in.AdvertInt%(10*time.Millisecond) != 0:
			return c, errorf(in.File, in.Line, "vrrp_instance %s: VRRPv3 advert_int %v: want a multiple of 10ms", in.Name, in.AdvertInt)
		}
	}
	return c, c.check()
}

// global reads global_defs.
func (c *Config) global(n *Node) error {
	for _, g := range n.Block {
		switch {
		case g.Keyword == "vrrp_netlink_monitor_rcv_bufs":
			v, err := unsignedArg(g, 0, 0, math.MaxUint32)
			if err != nil {
				return err
			}
			c.RcvBufs = v
		case g.Keyword == "vrrp_netlink_monitor_rcv_bufs_force":
			b, err := Bool(g)
			if err != nil {
				return err
			}
			c.Force = b
		case strings.HasSuffix(g.Keyword, "_rcv_bufs") || strings.HasSuffix(g.Keyword, "_rcv_bufs_force"):
			c.OtherRcvBufs[g.Keyword] = strings.Join(g.Args, " ")
		case g.Keyword == "notify_fifo" || g.Keyword == "vrrp_notify_fifo":
			c.NotifyFIFO = true
		case g.Keyword == "vrrp_rt_priority":
			// keepalived reads any int and reports one outside its
			// SCHED_RR range as a configuration error (-t fails).
			v, err := unsignedArg(g, 0, 1, 99)
			if err != nil {
				return err
			}
			c.RTPriority = int(v)
		case g.Keyword == "vrrp_rlimit_rttime" || g.Keyword == "vrrp_rlimit_rtime":
			v, err := unsignedArg(g, 0, 1, math.MaxUint32)
			if err != nil {
				return err
			}
			c.RlimitRTTime = time.Duration(v) * time.Microsecond
		case g.Keyword == "vrrp_version":
			v, err := unsignedArg(g, 0, 2, 3)
			if err != nil {
				return err
			}
			c.Version = int(v)
		}
	}
	return nil
}

// Bool reads a keepalived boolean: no argument is true, else one of
// true/on/yes or false/off/no, as keepalived's check_true_false spells
// them (lower case only).
func Bool(n *Node) (bool, error) {
	switch n.Arg(0) {
	case "", "true", "on", "yes":
		return true, nil
	case "false", "off", "no":
		return false, nil
	}
	return false, errorf(n.File, n.Line, "%s %q: want yes/no, on/off or true/false", n.Keyword, n.Arg(0))
}

// unsignedArg reads argument i as a decimal number in [min, max], as
// keepalived's read_unsigned does (no sign, no hex, no unit).
func unsignedArg(n *Node, i int, min, max uint64) (int64, error) {
	s := n.Arg(i)
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v < min || v > max {
		return 0, errorf(n.File, n.Line, "%s %q: want a number from %d to %d", n.Keyword, s, min, max)
	}
	return int64(v), nil
}

// instance reads one vrrp_instance block.
func instance(n *Node) (Instance, error) {
	in := Instance{Name: n.Arg(0), File: n.File, Line: n.Line}
	if in.Name == "" {
		return in, errorf(n.File, n.Line, "vrrp_instance without a name")
	}
	native6 := false
	for _, s := range n.Block {
		var err error
		switch s.Keyword {
		case "interface":
			in.Interface = s.Arg(0)
		case "virtual_router_id":
			var v int64
			v, err = unsignedArg(s, 0, 1, 255)
			in.VRID = int(v)
		case "priority":
			var v int64
			v, err = unsignedArg(s, 0, 1, 255)
			in.Priority = int(v)
		case "state":
			in.State = s.Arg(0)
		case "advert_int":
			in.AdvertInt, err = seconds(s)
		case "version":
			var v int64
			v, err = unsignedArg(s, 0, 2, 3)
			in.Version = int(v)
		case "native_ipv6":
			native6 = true
		case "use_vmac":
			in.VMAC = true
			for _, a := range s.Args {
				if !strings.Contains(a, ":") { // a name; a MAC address has colons
					in.VMACName = a
				}
			}
		case "use_ipvlan":
			in.IPVLAN = true
		case "virtual_ipaddress":
			in.VIPs, err = addresses(in.VIPs, s.Block)
		case "virtual_ipaddress_excluded":
			in.ExcludedVIPs, err = addresses(in.ExcludedVIPs, s.Block)
		case "virtual_routes":
			in.Routes = append(in.Routes, texts(s.Block)...)
		case "virtual_rules":
			in.Rules = append(in.Rules, texts(s.Block)...)
		case "track_interface":
			for _, t := range s.Block {
				in.TrackIfaces = append(in.TrackIfaces, t.Keyword)
			}
		case "track_script":
			in.TrackScripts += len(s.Block)
		case "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify_deleted":
			in.NotifyScript = true
		case "mcast_dst_ip":
			in.McastDst = s.Arg(0)
		case "unicast_src_ip":
			in.UnicastSrc = s.Arg(0)
		case "unicast_peer":
			for _, p := range s.Block {
				in.UnicastPeers = append(in.UnicastPeers, p.Keyword)
			}
		}
		if err != nil {
			return in, err
		}
	}
	switch {
	case in.Interface == "":
		return in, errorf(n.File, n.Line, "vrrp_instance %s has no interface", in.Name)
	case in.VRID == 0:
		return in, errorf(n.File, n.Line, "vrrp_instance %s has no virtual_router_id", in.Name)
	case len(in.VIPs)+len(in.ExcludedVIPs) == 0:
		return in, errorf(n.File, n.Line, "vrrp_instance %s has no virtual address", in.Name)
	}
	in.Family = 4
	if native6 || vipFamily(in.AllVIPs()[0]) == 6 {
		in.Family = 6
	}
	return in, nil
}

// static appends a static_routes or static_rules block's entries to list
// as written; a track_group must name a block read before it.
func static(list []string, block []*Node, trackGroups map[string]bool) ([]string, error) {
	for _, r := range block {
		if g := word(r.Text(), "track_group"); g != "" && !trackGroups[g] {
			return list, errorf(r.File, r.Line, "track_group %s not found (a track_group block must come before its use)", g)
		}
		list = append(list, r.Text())
	}
	return list, nil
}

// routeComplaints are keepalived -t's complaints about routes as
// written: one it would track (no no_track) without a dev, which it then
// does not track (vrrp_iproute.c, alloc_route).
func routeComplaints(block []*Node) []string {
	var out []string
	for _, r := range block {
		if t := r.Text(); !hasWord(t, "no_track") && !RouteTracked(t) {
			out = append(out, fmt.Sprintf("%s:%d: cannot track route %s with no interface specified, not tracking (add dev or no_track)", r.File, r.Line, r.Keyword))
		}
	}
	return out
}

// ruleComplaints are keepalived -t's complaints about rules as written:
// one without a preference, which keepalived numbers itself
// (vrrp_iprule.c, alloc_rule).
func ruleComplaints(block []*Node) []string {
	var out []string
	for _, r := range block {
		if t := r.Text(); word(t, "priority") == "" && word(t, "preference") == "" && word(t, "order") == "" {
			out = append(out, fmt.Sprintf("%s:%d: rule has no preference specified: keepalived sets one, probably not what you want", r.File, r.Line))
		}
	}
	return out
}

// syncGroup reads one vrrp_sync_group block.
func syncGroup(n *Node) SyncGroup {
	g := SyncGroup{Name: n.Arg(0), File: n.File, Line: n.Line}
	for _, s := range n.Block {
		switch s.Keyword {
		case "group":
			for _, m := range s.Block {
				g.Members = append(g.Members, append([]string{m.Keyword}, m.Args...)...)
			}
		case "track_interface":
			for _, t := range s.Block {
				g.TrackIfaces = append(g.TrackIfaces, t.Keyword)
			}
		}
	}
	return g
}

// check applies keepalived's checks across instances: no two instances of
// one family share a VRID where they would hear each other (see
// conflict), and sync group members exist.
func (c *Config) check() error {
	names := map[string]bool{}
	for i, in := range c.Instances {
		for _, o := range c.Instances[:i] {
			if msg := conflict(o, in); msg != "" {
				return errorf(in.File, in.Line, "%s", msg)
			}
		}
		names[in.Name] = true
	}
	for _, g := range c.SyncGroups {
		for _, m := range g.Members {
			if !names[m] {
				return errorf(g.File, g.Line, "vrrp_sync_group %s: no vrrp_instance %s", g.Name, m)
			}
		}
	}
	return nil
}

// conflict is keepalived's check_vrid_conflicts for two instances: "" when
// they may share their VRID. Unicast and multicast instances are separate
// VRID spaces; multicast ones conflict on one interface and multicast
// group, unicast ones on one interface and source address with a peer in
// common. An instance without unicast_src_ip sends from its interface's
// address, which two instances on one interface share.
func conflict(a, b Instance) string {
	if a.Family != b.Family || a.VRID != b.VRID || a.Interface != b.Interface {
		return ""
	}
	unicast := len(a.UnicastPeers) > 0
	if unicast != (len(b.UnicastPeers) > 0) {
		return ""
	}
	if !unicast {
		if !sameAddr(a.mcastGroup(), b.mcastGroup()) {
			return ""
		}
		return fmt.Sprintf("%s and %s both use VRID %d with IPv%d on interface %s", a.Name, b.Name, b.VRID, b.Family, b.Interface)
	}
	if !sameAddr(a.UnicastSrc, b.UnicastSrc) {
		return ""
	}
	for _, p := range a.UnicastPeers {
		for _, q := range b.UnicastPeers {
			if sameAddr(p, q) {
				return fmt.Sprintf("%s: duplicate VRID conflict with %s VRID %d (unicast peer %s in both)", b.Name, a.Name, b.VRID, q)
			}
		}
	}
	return ""
}

// mcastGroup is the instance's multicast group: mcast_dst_ip, else
// keepalived's default for its family.
func (in Instance) mcastGroup() string {
	switch {
	case in.McastDst != "":
		return in.McastDst
	case in.Family == 6:
		return "ff02::12"
	}
	return "224.0.0.18"
}

// sameAddr compares two addresses as written ("" for a default), by value
// where both parse.
func sameAddr(a, b string) bool {
	x, errx := netip.ParseAddr(a)
	y, erry := netip.ParseAddr(b)
	if errx == nil && erry == nil {
		return x == y
	}
	return a == b
}

// addresses appends a virtual_ipaddress block's lines to list; the first
// word of each must be an address, with or without a prefix length.
func addresses(list []string, block []*Node) ([]string, error) {
	for _, b := range block {
		if vipFamily(b.Keyword) == 0 {
			return list, errorf(b.File, b.Line, "virtual address %q is not an IP address", b.Keyword)
		}
		list = append(list, b.Text())
	}
	return list, nil
}

// texts is each statement of a block as one line.
func texts(block []*Node) []string {
	out := make([]string, 0, len(block))
	for _, b := range block {
		out = append(out, b.Text())
	}
	return out
}

// seconds reads a timer in seconds with up to six decimals (advert_int 0.01).
func seconds(n *Node) (time.Duration, error) {
	v, err := strconv.ParseFloat(n.Arg(0), 64)
	if err != nil || v < 0.01 || v > 255 || math.IsNaN(v) {
		return 0, errorf(n.File, n.Line, "%s %q: want seconds, from 0.01 to 255", n.Keyword, n.Arg(0))
	}
	return time.Duration(math.Round(v*1e6)) * time.Microsecond, nil
}

// ParseVIP reads the address of a virtual address as written
// ("10.0.0.1/24 dev eth2 ..."): the address, its prefix length (-1 when
// none is written), and false when the first word is no address.
func ParseVIP(vip string) (addr netip.Addr, bits int, ok bool) {
	f := strings.Fields(vip)
	if len(f) == 0 {
		return netip.Addr{}, 0, false
	}
	a, b, hasBits := strings.Cut(f[0], "/")
	bits = -1
	if hasBits {
		n, err := strconv.Atoi(b)
		if err != nil || n < 0 || n > 128 {
			return netip.Addr{}, 0, false
		}
		bits = n
	}
	addr, err := netip.ParseAddr(a)
	return addr, bits, err == nil
}

// vipFamily is 4 or 6 for a virtual address as written, 0 when it is not
// an address.
func vipFamily(vip string) int {
	switch a, _, ok := ParseVIP(vip); {
	case !ok:
		return 0
	case a.Is4():
		return 4
	}
	return 6
}
