package kaconf

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// genConf writes random keepalived configurations from the constructs
// kaconf claims to read as keepalived does: definitions on one line and
// on several, ~SEQ, includes with globs and braces (and a hidden file a
// glob must skip), @ID and @^ID lines, several global_defs blocks,
// comments in every position, VMACs named and unnamed, ipvlans, IPv4 and
// IPv6 instances, virtual addresses with dev, brd and scope, excluded
// ones, routes and rules with and without no_track, static routes and
// rules with a track_group, sync groups and unicast peers. The
// differential test runs keepalived on each and compares its reading with
// kaconf's.
type genConf struct {
	r    *rand.Rand
	host string // the configuration id keepalived will use
	dir  string
	// files are the files written, by name relative to dir.
	files map[string]*strings.Builder
	vrid  map[string]int // next VRID per interface and family
	names []string       // the instances, in the order written
	v4    []string       // IPv4 instances without VMAC, for track groups
	seq   int
	// Injected says which error the file was given ("" for none): kaconf
	// and keepalived must both refuse it.
	Injected string
}

// generateConf writes one configuration into dir and returns the main
// file's path.
func generateConf(r *rand.Rand, dir, host string) (*genConf, string, error) {
	g := &genConf{r: r, host: host, dir: dir, files: map[string]*strings.Builder{}, vrid: map[string]int{}}
	main := g.file("keepalived.conf")
	g.comment(main)
	if g.chance(50) {
		fmt.Fprintf(main, "$IF_A=eth2\n$IF_B=eth3%s\n", g.eolComment())
	}
	g.globalDefs(main)
	for range g.r.IntN(4) + 1 {
		g.instance(main, g.pick("eth2", "eth3"), 0)
	}
	if g.chance(60) {
		g.seqBlock(main)
	}
	if g.chance(60) {
		g.includes(main)
	}
	if g.chance(40) {
		g.globalDefs(main) // a later block: its buffer wins
	}
	if g.chance(30) && len(g.v4) > 0 {
		g.static(main)
	}
	if g.chance(40) && len(g.names) >= 2 {
		g.syncGroup(main)
	}
	if g.chance(8) {
		g.inject(main)
	}
	for name, b := range g.files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, "", err
		}
		if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
			return nil, "", err
		}
	}
	return g, filepath.Join(dir, "keepalived.conf"), nil
}

func (g *genConf) file(name string) *strings.Builder {
	if g.files[name] == nil {
		g.files[name] = &strings.Builder{}
	}
	return g.files[name]
}

func (g *genConf) chance(percent int) bool { return g.r.IntN(100) < percent }

func (g *genConf) pick(s ...string) string { return s[g.r.IntN(len(s))] }

// comment writes a comment line, sometimes, in one of keepalived's forms.
func (g *genConf) comment(b *strings.Builder) {
	if g.chance(40) {
		b.WriteString(g.pick("# a comment\n", "! a bang comment\n", "   # indented { not a brace }\n", "#\n"))
	}
}

// eolComment is a comment at the end of a line, sometimes.
func (g *genConf) eolComment() string {
	if g.chance(25) {
		return g.pick(" # trailing", " ! trailing", "\t# { braces in a comment }")
	}
	return ""
}

// idPrefix puts an @ID or @^ID on a line, sometimes: with the host's id
// (then "@ID" lines are read) or another (then "@^ID" lines are).
func (g *genConf) idPrefix() string {
	if !g.chance(25) {
		return ""
	}
	return g.pick("@"+g.host+" ", "@^"+g.host+" ", "@nls-other ", "@^nls-other ")
}

// globalDefs writes a global_defs block with buffer lines.
func (g *genConf) globalDefs(b *strings.Builder) {
	b.WriteString("global_defs {" + g.eolComment() + "\n")
	g.comment(b)
	if g.chance(70) {
		fmt.Fprintf(b, "    %svrrp_netlink_monitor_rcv_bufs %d%s\n", g.idPrefix(), 65536+g.r.IntN(4000000), g.eolComment())
	}
	if g.chance(50) {
		fmt.Fprintf(b, "    %svrrp_netlink_monitor_rcv_bufs_force%s\n", g.idPrefix(), g.pick("", " yes", " no", " on", " off", " true", " false"))
	}
	if g.chance(20) {
		fmt.Fprintf(b, "    vrrp_rt_priority %d\n    vrrp_rlimit_rttime %d\n", 1+g.r.IntN(99), 200000+g.r.IntN(800000))
	}
	if g.chance(20) {
		fmt.Fprintf(b, "    vrrp_version %s\n", g.pick("2", "3"))
	}
	g.comment(b)
	b.WriteString("}\n")
}

// nextVRID is a VRID not used yet on the interface for the family.
func (g *genConf) nextVRID(ifc string, family int) int {
	k := fmt.Sprintf("%s/%d", ifc, family)
	g.vrid[k]++
	return g.vrid[k]
}

// instance writes one vrrp_instance on ifc. vrid 0 takes the next free.
func (g *genConf) instance(b *strings.Builder, ifc string, vrid int) {
	six := g.chance(25)
	family := 4
	if six {
		family = 6
	}
	if vrid == 0 {
		vrid = g.nextVRID(ifc, family)
	}
	name := fmt.Sprintf("VI_%s_%d_%d", strings.TrimPrefix(ifc, "eth"), family, vrid)
	g.names = append(g.names, name)
	ifText := ifc
	if g.chance(30) {
		ifText = map[string]string{"eth2": "$IF_A", "eth3": "${IF_B}"}[ifc]
		if !strings.Contains(g.files["keepalived.conf"].String(), "$IF_A=") {
			ifText = ifc
		}
	}
	fmt.Fprintf(b, "vrrp_instance %s {%s\n", name, g.eolComment())
	g.comment(b)
	fmt.Fprintf(b, "    interface %s\n    virtual_router_id %d\n    priority %d\n", ifText, vrid, 1+g.r.IntN(254))
	version := ""
	switch {
	case g.chance(20) && !six:
		version = "2"
	case g.chance(30):
		version = "3"
	}
	if version != "" {
		fmt.Fprintf(b, "    version %s\n", version)
	}
	if g.chance(50) {
		adv := g.pick("1", "2", "3")
		if version == "3" || six && version == "" {
			adv = g.pick("0.5", "0.25", "1", "1.5")
		}
		fmt.Fprintf(b, "    advert_int %s\n", adv)
	}
	vmac := !six && g.chance(30)
	switch {
	case vmac && g.chance(50):
		fmt.Fprintf(b, "    use_vmac vm%d%s\n", vrid, ifc[3:])
	case vmac:
		if g.vrid["vmac/"+fmt.Sprint(vrid)] > 0 { // keepalived's own name is vrrp.<vrid>: once
			vmac = false
			break
		}
		g.vrid["vmac/"+fmt.Sprint(vrid)]++
		b.WriteString("    use_vmac\n")
	case !six && g.chance(10):
		fmt.Fprintf(b, "    use_ipvlan ipv%d%s 10.%s.%d.250/24\n", vrid, ifc[3:], ifc[3:], vrid)
		vmac = true // no unicast beside it
	}
	if !vmac && !six && g.chance(15) {
		fmt.Fprintf(b, "    unicast_src_ip 10.%d.0.1\n    unicast_peer {\n        10.%d.0.2\n    }\n", vrid, vrid)
	}
	if !vmac && !six {
		g.v4 = append(g.v4, name)
	}
	other := map[string]string{"eth2": "eth3", "eth3": "eth2"}[ifc]
	if g.chance(20) {
		fmt.Fprintf(b, "    track_interface {\n        %s\n    }\n", other)
	}
	b.WriteString("    virtual_ipaddress {\n")
	g.comment(b)
	for i := range g.r.IntN(4) + 1 {
		b.WriteString("        " + g.vip(six, vrid, i, ifc) + g.eolComment() + "\n")
	}
	b.WriteString("    }\n")
	if g.chance(20) {
		fmt.Fprintf(b, "    virtual_ipaddress_excluded {\n        %s\n    }\n", g.vip(six, vrid, 9, ifc))
	}
	if g.chance(40) {
		b.WriteString("    virtual_routes {\n")
		for i := range g.r.IntN(3) + 1 {
			fmt.Fprintf(b, "        %s\n", g.route(six, vrid, i, ifc))
		}
		b.WriteString("    }\n")
	}
	if g.chance(25) {
		b.WriteString("    virtual_rules {\n")
		for i := range g.r.IntN(2) + 1 {
			from := fmt.Sprintf("10.%d.%d.0/24", 100+10*i+int(ifc[3]-'0'), vrid)
			if six {
				from = fmt.Sprintf("fd%02x:%x::/64", 0x60+0x10*i+int(ifc[3]-'0'), vrid)
			}
			pref := fmt.Sprintf(" %s %d", g.pick("priority", "preference", "order"), 1000+g.seq)
			if g.chance(5) {
				pref = "" // keepalived -t complains, and numbers it itself
			}
			fmt.Fprintf(b, "        from %s table %d%s%s\n", from, 100+vrid, pref, g.pick("", "", " no_track"))
			g.seq++
		}
		b.WriteString("    }\n")
	}
	g.comment(b)
	b.WriteString("}\n")
}

// vip is a virtual address, unique to the instance: IPv4 with or without
// a prefix length, dev, brd and scope; IPv6 with a prefix length.
func (g *genConf) vip(six bool, vrid, i int, ifc string) string {
	if six {
		return fmt.Sprintf("fd00:%x:%x::%s/64", vrid, i, ifc[3:])
	}
	a := fmt.Sprintf("10.%d.%d.%s", 1+i, vrid, ifc[3:])
	switch g.r.IntN(5) {
	case 0:
		return a
	case 1:
		return a + "/32"
	case 2:
		return a + "/24 dev " + ifc
	case 3:
		return a + "/24 brd + scope global"
	}
	return a + "/24 dev " + ifc + " scope link"
}

// route is a virtual route, tracked or not.
func (g *genConf) route(six bool, vrid, i int, ifc string) string {
	k := 10*i + int(ifc[3]-'0')
	// Mostly with a dev: without one (and without no_track) keepalived -t
	// complains, and the file is then checked for that complaint.
	dev := g.pick(" dev "+ifc, " dev "+ifc, " dev "+ifc, " dev "+ifc, "")
	if six {
		return fmt.Sprintf("fd%02x:%x::/64 via fd00:%x:0::fe%s%s", 0x40+k, vrid, vrid, dev, g.pick("", "", " no_track"))
	}
	return fmt.Sprintf("10.%d.%d.0/24 via 10.1.%d.254%s%s", 150+k, vrid, vrid, dev, g.pick("", "", " no_track"))
}

// seqBlock writes instances through a multi-line definition expanded by
// ~SEQ.
func (g *genConf) seqBlock(b *strings.Builder) {
	ifc := g.pick("eth2", "eth3")
	start := 200 + g.r.IntN(20)
	n := 2 + g.r.IntN(12)
	g.comment(b)
	fmt.Fprintf(b, "$SEQ_INST=vrrp_instance VS_${N} { \\\n    interface %s \\\n    virtual_router_id ${N} \\\n    virtual_ipaddress { \\\n        10.77.${N}.1/32 \\\n    } \\\n}\n\n", ifc)
	fmt.Fprintf(b, "~SEQ(N, %d, %d) $SEQ_INST\n", start, start+n-1)
	for v := start; v < start+n; v++ {
		g.names = append(g.names, fmt.Sprintf("VS_%d", v))
	}
}

// includes writes instances into included files, read through a brace
// pattern or a glob, with a hidden file and a directory the glob must
// skip.
func (g *genConf) includes(b *strings.Builder) {
	n := 1 + g.r.IntN(3)
	var parts []string
	for i := range n {
		name := fmt.Sprintf("part%d", i)
		parts = append(parts, name)
		f := g.file("conf.d/" + name + ".conf")
		g.comment(f)
		for range 1 + g.r.IntN(3) {
			g.instance(f, g.pick("eth2", "eth3"), 0)
		}
		if g.chance(20) {
			g.globalDefs(f)
		}
	}
	// Never read: a hidden file (a wildcard skips it) and a file the
	// brace pattern does not name.
	h := g.file("conf.d/.hidden.conf")
	h.WriteString("vrrp_instance HIDDEN {\n    interface eth2\n    virtual_router_id 250\n    virtual_ipaddress {\n        10.250.0.1\n    }\n}\n")
	if g.chance(50) {
		fmt.Fprintf(b, "include conf.d/{%s}.conf%s\n", strings.Join(parts, ","), g.eolComment())
	} else {
		fmt.Fprintf(b, "include conf.d/*.conf%s\n", g.eolComment())
	}
}

// static writes a track_group of an IPv4 instance and static routes and
// rules, some tracked by it.
func (g *genConf) static(b *strings.Builder) {
	fmt.Fprintf(b, "track_group TG {\n    group {\n        %s\n    }\n}\n", g.v4[g.r.IntN(len(g.v4))])
	b.WriteString("static_routes {\n")
	fmt.Fprintf(b, "    10.240.0.0/16 via 10.240.255.254 dev eth2%s\n", g.pick("", " track_group TG"))
	if g.chance(50) {
		fmt.Fprintf(b, "    fd99::/64 via fd99:1::fe dev eth3%s\n", g.pick("", " track_group TG"))
	}
	b.WriteString("}\n")
	if g.chance(50) {
		fmt.Fprintf(b, "static_rules {\n    from 10.241.0.0/16 table 241 priority 241%s\n}\n", g.pick("", " iif eth2 track_group TG"))
	}
}

// syncGroup groups two or more instances.
func (g *genConf) syncGroup(b *strings.Builder) {
	perm := g.r.Perm(len(g.names))
	n := min(len(g.names), 2+g.r.IntN(3))
	b.WriteString("vrrp_sync_group SG {\n    group {\n")
	for _, i := range perm[:n] {
		fmt.Fprintf(b, "        %s\n", g.names[i])
	}
	b.WriteString("    }\n")
	if g.chance(50) {
		// eth4: an interface no instance runs on or tracks itself, which
		// keepalived would refuse to see tracked twice.
		b.WriteString("    track_interface {\n        eth4\n    }\n")
	}
	b.WriteString("}\n")
}

// inject appends one error kaconf claims to detect.
func (g *genConf) inject(b *strings.Builder) {
	g.Injected = g.pick("vrid 256", "buffer with a unit", "force YES", "VRRPv2 fraction", "no interface", "duplicate VRID", "unclosed block")
	switch g.Injected {
	case "vrid 256":
		b.WriteString("vrrp_instance BAD {\n    interface eth2\n    virtual_router_id 256\n    virtual_ipaddress {\n        10.99.0.1\n    }\n}\n")
	case "buffer with a unit":
		b.WriteString("global_defs {\n    vrrp_netlink_monitor_rcv_bufs 1M\n}\n")
	case "force YES":
		b.WriteString("global_defs {\n    vrrp_netlink_monitor_rcv_bufs_force YES\n}\n")
	case "VRRPv2 fraction":
		b.WriteString("vrrp_instance BAD {\n    interface eth2\n    virtual_router_id 249\n    version 2\n    advert_int 0.5\n    virtual_ipaddress {\n        10.99.0.1\n    }\n}\n")
	case "no interface":
		b.WriteString("vrrp_instance BAD {\n    virtual_router_id 249\n    virtual_ipaddress {\n        10.99.0.1\n    }\n}\n")
	case "duplicate VRID":
		b.WriteString("vrrp_instance BAD1 {\n    interface eth2\n    virtual_router_id 248\n    virtual_ipaddress {\n        10.99.0.1\n    }\n}\n")
		b.WriteString("vrrp_instance BAD2 {\n    interface eth2\n    virtual_router_id 248\n    virtual_ipaddress {\n        10.99.0.2\n    }\n}\n")
	case "unclosed block":
		b.WriteString("vrrp_instance BAD {\n    interface eth2\n")
	}
}
