package kaconf

import (
	"bufio"
	"strconv"
	"strings"
	"time"
)

// dumped is what keepalived's --dump-conf says it read: the parts kaconf
// reads too.
type dumped struct {
	RcvBufs    int64
	Force      bool
	RTPriority int
	RTLimit    int64 // microseconds
	Instances  []dumpedInstance
	SyncGroups []dumpedSyncGroup
}

type dumpedInstance struct {
	Name      string
	Version   int
	VMAC      string // use_vmac's interface, "" without
	IPVLAN    bool
	Interface string // the base interface
	VRID      int
	AdvertInt time.Duration
	VIPs      []string // addresses only
	Excluded  []string
	Routes    []string // each "tracked" or "no_track"
	Rules     []string
	Tracked   []string // track_interface
	Unicast   []string // unicast peers' addresses
}

type dumpedSyncGroup struct {
	Name    string
	Members []string
	Tracked []string
}

// parseDump reads keepalived 2.2.7's --dump-conf log (--log-console):
// the global definitions' buffer and real-time lines, the VRRP topology
// and the sync groups.
func parseDump(text string) dumped {
	var d dumped
	var in *dumpedInstance
	var sg *dumpedSyncGroup
	section, list := "", ""
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		// Drop the console log's time stamp: "Sat Dec  5 08:40:08 2026: ".
		if i := strings.Index(line, ": "); i > 0 && i < 30 && strings.Count(line[:i], ":") == 2 {
			line = line[i+2:]
		}
		t := strings.TrimSpace(line)
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case strings.HasPrefix(t, "------< "):
			section, list, in, sg = t, "", nil, nil
			continue
		case indent == 0:
			// Not the dump's: the other process's log lines interleave.
			continue
		case strings.HasPrefix(section, "------< Global"):
			k, v, _ := strings.Cut(t, " = ")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "vrrp_netlink_monitor_rcv_bufs":
				d.RcvBufs = n
			case "vrrp_netlink_monitor_rcv_bufs_force":
				d.Force = n != 0
			case "VRRP realtime priority":
				d.RTPriority = int(n)
			case "VRRP realtime limit":
				d.RTLimit = n
			}
		case strings.HasPrefix(section, "------< VRRP Topology"):
			if v, ok := strings.CutPrefix(t, "VRRP Instance = "); ok && indent == 1 {
				d.Instances = append(d.Instances, dumpedInstance{Name: v})
				in, list = &d.Instances[len(d.Instances)-1], ""
				continue
			}
			if in == nil {
				continue
			}
			if indent >= 5 && list != "" {
				in.addListItem(list, t)
				continue
			}
			list = ""
			k, v, _ := strings.Cut(t, " = ")
			switch {
			case k == "VRRP Version":
				in.Version, _ = strconv.Atoi(v)
			case k == "Virtual Router ID":
				in.VRID, _ = strconv.Atoi(v)
			case k == "Advert interval":
				in.AdvertInt = dumpInterval(v)
			case strings.HasPrefix(t, "Use VMAC, i/f name "):
				in.VMAC, _, _ = strings.Cut(strings.TrimPrefix(t, "Use VMAC, i/f name "), ",")
			case strings.HasPrefix(t, "Use IPVLAN"):
				in.IPVLAN = true
			case k == "Interface":
				// "eth2", "vrrp.7, vmac on eth2", "ipv12, ipvlan on eth2"
				in.Interface = v
				if _, base, ok := strings.Cut(v, " on "); ok {
					in.Interface, _, _ = strings.Cut(base, ",")
				}
			case strings.HasPrefix(t, "Virtual IP ("):
				list = "vip"
			case strings.HasPrefix(t, "Virtual IP Excluded"):
				list = "excluded"
			case strings.HasPrefix(t, "Virtual Routes"):
				list = "routes"
			case strings.HasPrefix(t, "Virtual Rules"):
				list = "rules"
			case strings.HasPrefix(t, "Tracked interfaces"):
				list = "tracked"
			case strings.HasPrefix(t, "Unicast Peer"):
				list = "unicast"
			}
		case strings.HasPrefix(section, "------< VRRP Sync groups"):
			if v, ok := strings.CutPrefix(t, "VRRP Sync Group = "); ok && indent == 1 {
				name, _, _ := strings.Cut(v, ",")
				d.SyncGroups = append(d.SyncGroups, dumpedSyncGroup{Name: name})
				sg, list = &d.SyncGroups[len(d.SyncGroups)-1], ""
				continue
			}
			if sg == nil {
				continue
			}
			switch {
			case indent >= 5 && list == "members":
				sg.Members = append(sg.Members, t)
			case indent >= 5 && list == "tracked":
				sg.Tracked = append(sg.Tracked, strings.Fields(t)[0])
			case strings.HasPrefix(t, "VRRP member instances"):
				list = "members"
			case strings.HasPrefix(t, "Tracked interfaces"):
				list = "tracked"
			default:
				list = ""
			}
		}
	}
	return d
}

// addListItem adds one line of a list the dump indents under its title.
func (in *dumpedInstance) addListItem(list, t string) {
	first := strings.Fields(t)[0]
	switch list {
	case "vip":
		in.VIPs = append(in.VIPs, first)
	case "excluded":
		in.Excluded = append(in.Excluded, first)
	case "routes":
		in.Routes = append(in.Routes, trackWord(t))
	case "rules":
		in.Rules = append(in.Rules, trackWord(t))
	case "tracked":
		in.Tracked = append(in.Tracked, first)
	case "unicast":
		in.Unicast = append(in.Unicast, first)
	}
}

// trackWord is how the dump marks a route or rule: "no_track" or
// "tracked".
func trackWord(t string) string { return tracking(!hasWord(t, "no_track")) }

func tracking(tracked bool) string {
	if tracked {
		return "tracked"
	}
	return "no_track"
}

// dumpInterval reads "1 sec" or "500 milli-sec".
func dumpInterval(v string) time.Duration {
	f := strings.Fields(v)
	if len(f) != 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	if f[1] == "sec" {
		return time.Duration(n) * time.Second
	}
	return time.Duration(n) * time.Millisecond
}

// asDumped is kaconf's reading in the dump's terms.
func asDumped(c Config) dumped {
	d := dumped{RcvBufs: c.RcvBufs, Force: c.Force, RTPriority: c.RTPriority, RTLimit: c.RlimitRTTime.Microseconds()}
	if d.RTLimit == 0 {
		d.RTLimit = DefaultRlimitRTTime.Microseconds()
	}
	for _, in := range c.Instances {
		x := dumpedInstance{Name: in.Name, Version: in.Version, VMAC: in.VMACInterface(), IPVLAN: in.IPVLAN, Interface: in.Interface, VRID: in.VRID, AdvertInt: in.AdvertInt}
		if x.AdvertInt == 0 {
			x.AdvertInt = time.Second
		}
		for _, v := range in.VIPs {
			x.VIPs = append(x.VIPs, vipAddr(v))
		}
		for _, v := range in.ExcludedVIPs {
			x.Excluded = append(x.Excluded, vipAddr(v))
		}
		for _, r := range in.Routes {
			x.Routes = append(x.Routes, tracking(RouteTracked(r)))
		}
		for _, r := range in.Rules {
			x.Rules = append(x.Rules, tracking(RuleTracked(r)))
		}
		for _, t := range in.TrackIfaces {
			if t != in.Interface { // keepalived ignores tracking its own interface
				x.Tracked = append(x.Tracked, t)
			}
		}
		x.Unicast = append(x.Unicast, in.UnicastPeers...)
		d.Instances = append(d.Instances, x)
	}
	for _, g := range c.SyncGroups {
		d.SyncGroups = append(d.SyncGroups, dumpedSyncGroup{Name: g.Name, Members: g.Members, Tracked: g.TrackIfaces})
	}
	return d
}

// vipAddr is a virtual address as the dump shows it: the address, with
// its prefix length unless it is a host's (/32, /128) or none.
func vipAddr(v string) string {
	a, bits, _ := ParseVIP(v)
	if bits < 0 || a.Is4() && bits == 32 || a.Is6() && bits == 128 {
		return a.String()
	}
	return a.String() + "/" + strconv.Itoa(bits)
}
