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
	// Version is the instance's VRRP version, 2 or 3; 0 when neither it
	// nor global_defs sets one (keepalived's default is 2).
	Version int `json:"version,omitempty"`
	// Family is 4 or 6: native_ipv6, or the family of the first virtual
	// address, as keepalived decides it.
	Family int  `json:"family"`
	VMAC   bool `json:"vmac"`
	// VMACName is use_vmac's interface name; "" means keepalived's own
	// ("vrrp.<vrid>", "vrrp6.<vrid>" for IPv6).
	VMACName     string   `json:"vmac_name,omitempty"`
	VIPs         []string `json:"vips"`
	ExcludedVIPs []string `json:"excluded_vips,omitempty"`
	Routes       []string `json:"routes"`
	Rules        []string `json:"rules"`
	TrackIfaces  []string `json:"track_interface,omitempty"`
	TrackScripts int      `json:"track_scripts"`
	NotifyScript bool     `json:"notify_script"`
	UnicastSrc   string   `json:"unicast_src_ip,omitempty"`
	UnicastPeers []string `json:"unicast_peers,omitempty"`
	File         string   `json:"file"`
	Line         int      `json:"line"`
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
	// OtherRcvBufs are the other *_rcv_bufs keywords as written.
	OtherRcvBufs map[string]string `json:"other_rcv_bufs,omitempty"`
	NotifyFIFO   bool              `json:"notify_fifo"`
	// Version is global_defs' vrrp_version; 0 when not set.
	Version int `json:"vrrp_version,omitempty"`
	// Warnings are what keepalived would warn about and go on.
	Warnings []string `json:"warnings,omitempty"`
}

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
	return f, c, err
}

// Extract reads instances, sync groups and buffer settings from parsed
// statements, with keepalived's checks.
func Extract(nodes []*Node) (Config, error) {
	c := Config{OtherRcvBufs: map[string]string{}}
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
		case "vrrp_sync_group":
			c.SyncGroups = append(c.SyncGroups, syncGroup(n))
		}
		if err != nil {
			return c, err
		}
	}
	for i := range c.Instances {
		in := &c.Instances[i]
		if in.Version == 0 {
			in.Version = c.Version
		}
		if in.Version != 3 && in.AdvertInt%time.Second != 0 {
			return c, errorf(in.File, in.Line, "vrrp_instance %s: VRRPv2 advert_int %v: want whole seconds (or version 3)", in.Name, in.AdvertInt)
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

// check applies keepalived's checks across instances: one VRID per
// interface and family, sync group members that exist.
func (c *Config) check() error {
	type key struct {
		ifc    string
		family int
		vrid   int
	}
	seen := map[key]Instance{}
	names := map[string]bool{}
	for _, in := range c.Instances {
		k := key{in.Interface, in.Family, in.VRID}
		if o, dup := seen[k]; dup {
			return errorf(in.File, in.Line, "%s and %s both use VRID %d with IPv%d on interface %s", o.Name, in.Name, in.VRID, in.Family, in.Interface)
		}
		seen[k] = in
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
	if err != nil || v <= 0 || v > 255 || math.IsNaN(v) {
		return 0, errorf(n.File, n.Line, "%s %q: want seconds, more than 0 and at most 255", n.Keyword, n.Arg(0))
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
