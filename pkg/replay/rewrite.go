package replay

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/standin"
)

// Why statements are removed, by where they stand.
const (
	whyScript   = "scripts do not run in the lab (they would act on the host)"
	whyHost     = "it reaches outside the lab's namespace"
	whyPreempt  = "the lab waits for the replayed keepalived to become MASTER"
	whyFIFO     = "nlstress reads states from a notify_fifo of its own"
	whyFirewall = "the lab's namespace has no firewall to program"
	whyLVS      = "the lab runs keepalived's VRRP process only (--vrrp)"
	whyUser     = "the lab runs its stand-ins as root"
	// whyStandin is not a removal: the statement stays, its script
	// replaced.
	whyStandin = "runs nlstress's stand-in instead (it counts itself; --script-cost, --script-exit)"
)

// scriptKinds are the instance and sync-group statements whose script
// runs as a stand-in, each its own kind.
var scriptKinds = map[string]standin.Kind{
	"notify": "notify", "notify_master": "notify_master", "notify_backup": "notify_backup", "notify_fault": "notify_fault",
	"notify_stop": "notify_stop", "notify_deleted": "notify_deleted", "notify_master_rx_lower_pri": "notify_master_rx_lower_pri",
}

// removed maps keywords to why they go, per level: top-level statements,
// global_defs, and vrrp_instance or vrrp_sync_group blocks.
var (
	removedTop = map[string]string{
		"vrrp_track_file": whyScript, "track_file": whyScript,
		"track_process": whyScript, "vrrp_track_process": whyScript, "bfd_instance": whyHost,
		"virtual_server": whyLVS, "virtual_server_group": whyLVS,
		"static_ipaddress": whyHost, "static_routes": whyHost, "static_rules": whyHost,
		"net_namespace": whyHost, "net_namespace_ipvs": whyHost, "use_pid_dir": whyHost, "instance": whyHost,
	}
	removedGlobal = map[string]string{
		"notify_fifo": whyFIFO, "notify_fifo_script": whyFIFO, "vrrp_notify_fifo": whyFIFO, "vrrp_notify_fifo_script": whyFIFO,
		"lvs_notify_fifo": whyFIFO, "lvs_notify_fifo_script": whyFIFO,
		"vrrp_strict": whyFirewall, "vrrp_iptables": whyFirewall, "vrrp_ipsets": whyFirewall, "nftables": whyFirewall,
		"nftables_priority": whyFirewall, "nftables_ifindex": whyFirewall, "nftables_counters": whyFirewall,
		"enable_snmp_vrrp": whyHost, "enable_snmp_keepalived": whyHost, "enable_snmp_rfcv2": whyHost, "enable_snmp_rfcv3": whyHost,
		"enable_snmp_checker": whyHost, "enable_traps": whyHost, "snmp_socket": whyHost, "enable_dbus": whyHost,
		"enable_dbus_instance": whyHost, "script_user": whyScript, "enable_script_security": whyScript,
		"notification_email": whyHost, "notification_email_from": whyHost, "smtp_server": whyHost,
		"smtp_connect_timeout": whyHost, "smtp_helo_name": whyHost, "smtp_alert": whyHost, "smtp_alert_vrrp": whyHost,
		"startup_script": whyScript, "shutdown_script": whyScript, "vrrp_startup_delay": whyPreempt,
	}
	removedInstance = map[string]string{
		"track_file": whyScript, "track_process": whyScript, "track_bfd": whyHost,
		"smtp_alert": whyHost, "nopreempt": whyPreempt, "preempt_delay": whyPreempt, "start_delay": whyPreempt,
	}
)

// rewrite copies the statements without what the lab cannot run, and
// records each kind of removal, and each kind of script that runs as a
// stand-in, once with the first place and a count.
func (r *Replay) rewrite(nodes []*kaconf.Node) []*kaconf.Node {
	seen := map[string]int{} // keyword → index in r.Changes
	note := func(n *kaconf.Node, why string, standin bool) {
		if i, ok := seen[n.Keyword]; ok {
			r.Changes[i].Count++
			return
		}
		seen[n.Keyword] = len(r.Changes)
		r.Changes = append(r.Changes, Change{Keyword: n.Keyword, Where: fmt.Sprintf("%s:%d", n.File, n.Line), Count: 1, Why: why, Standin: standin})
	}
	filter := func(block []*kaconf.Node, removed map[string]string) []*kaconf.Node {
		out := make([]*kaconf.Node, 0, len(block))
		for _, n := range block {
			if why, ok := removed[n.Keyword]; ok {
				note(n, why, false)
				continue
			}
			out = append(out, n)
		}
		return out
	}
	var out []*kaconf.Node
	for _, n := range filter(nodes, removedTop) {
		c := *n
		switch n.Keyword {
		case "global_defs":
			c.Block = filter(n.Block, removedGlobal)
		case "vrrp_instance", "vrrp_sync_group":
			c.Block = filter(n.Block, removedInstance)
			for _, s := range c.Block {
				if _, ok := scriptKinds[s.Keyword]; ok {
					note(s, whyStandin, true)
				}
			}
		case "vrrp_script":
			c.Block = filter(n.Block, map[string]string{"user": whyUser})
			note(n, whyStandin, true)
		}
		out = append(out, &c)
	}
	return out
}

// Scripts are the statements whose script runs as a stand-in, by kind:
// each notify keyword, and standin.Check for a vrrp_script.
func (r *Replay) Scripts() map[standin.Kind]int {
	out := map[standin.Kind]int{}
	for _, c := range r.Changes {
		switch {
		case !c.Standin:
		case c.Keyword == "vrrp_script":
			out[standin.Check] += c.Count
		default:
			out[scriptKinds[c.Keyword]] += c.Count
		}
	}
	return out
}

// withStandins is n with its script replaced by the stand-in's command:
// a notify statement's, a vrrp_script's "script" line.
func withStandins(n *kaconf.Node, s *standin.Set) *kaconf.Node {
	switch n.Keyword {
	case "vrrp_instance", "vrrp_sync_group", "vrrp_script":
	default:
		return n
	}
	c := *n
	c.Block = make([]*kaconf.Node, len(n.Block))
	for i, x := range n.Block {
		kind, ok := scriptKinds[x.Keyword]
		if n.Keyword == "vrrp_script" {
			kind, ok = standin.Check, x.Keyword == "script"
		}
		if ok {
			y := *x
			y.Args = []string{s.Command(kind)}
			x = &y
		}
		c.Block[i] = x
	}
	return &c
}

// Buffer is the monitor buffer the lab asks for: Set false keeps what the
// configuration says.
type Buffer struct {
	Set   bool
	Bytes int64
	Force bool
}

// Lines are keepalived.conf lines the lab adds: to the last global_defs
// block and to every vrrp_instance block (a variant of "nlstress
// compare", --keepalived-global, --keepalived-instance).
type Lines struct {
	Global, Instance []string
}

// nodes are lines as statements, one per line: a keyword and its words.
func nodes(lines []string) []*kaconf.Node {
	var out []*kaconf.Node
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 {
			out = append(out, &kaconf.Node{Keyword: f[0], Args: f[1:]})
		}
	}
	return out
}

// Render writes the rewritten configuration for keepalived in the lab:
// its notify_fifo at fifo, its scripts replaced by the stand-in s, the
// lines the lab adds, and the monitor buffer when b.Set (replacing the
// configuration's own lines in every global_defs block). keepalived
// applies global_defs blocks in order, so nlstress's lines go into the
// last one, where nothing after them can override them.
func (r *Replay) Render(fifo string, b Buffer, s *standin.Set, add Lines) []byte {
	var sb strings.Builder
	r.origin = r.origin[:0]
	comment := func(format string, args ...any) {
		fmt.Fprintf(&sb, "# "+format+"\n", args...)
		r.origin = append(r.origin, "")
	}
	comment("%s as nlstress replays it: definitions, ~SEQ and includes expanded.", r.Conf)
	for _, c := range r.Changes {
		comment("%s", c)
	}
	global := []*kaconf.Node{{Keyword: "notify_fifo", Args: []string{fifo}}}
	if len(r.Scripts()) > 0 {
		// The stand-ins run as root with keepalived's script security on,
		// as keepalived -t asks (the user's own lines were removed).
		global = append(global, &kaconf.Node{Keyword: "script_user", Args: []string{"root"}}, &kaconf.Node{Keyword: "enable_script_security"})
	}
	if b.Set {
		global = append(global, &kaconf.Node{Keyword: "vrrp_netlink_monitor_rcv_bufs", Args: []string{strconv.FormatInt(b.Bytes, 10)}})
		if b.Force {
			global = append(global, &kaconf.Node{Keyword: "vrrp_netlink_monitor_rcv_bufs_force"})
		}
	}
	global = append(global, nodes(add.Global)...)
	last := -1
	for i, n := range r.nodes {
		if n.Keyword == "global_defs" {
			last = i
		}
	}
	for i, n := range r.nodes {
		if n.Keyword == "global_defs" {
			c := *n
			c.Block = keep(n.Block, b.Set)
			if i == last {
				c.Block = append(c.Block, global...)
			}
			n = &c
		}
		if n.Keyword == "vrrp_instance" && len(add.Instance) > 0 {
			c := *n
			c.Block = append(append([]*kaconf.Node(nil), n.Block...), nodes(add.Instance)...)
			n = &c
		}
		r.write(&sb, withStandins(n, s), 0)
	}
	if last < 0 {
		r.write(&sb, &kaconf.Node{Keyword: "global_defs", Block: global}, 0)
	}
	return []byte(sb.String())
}

// Origin is where line n (1-based) of the last Render came from,
// "file:line", or "" for a line nlstress wrote.
func (r *Replay) Origin(n int) string {
	if n < 1 || n > len(r.origin) {
		return ""
	}
	return r.origin[n-1]
}

// renderedLine is how keepalived names a line of the file it reads.
var renderedLine = regexp.MustCompile(`\(([^()]*): Line (\d+)\)`)

// Explain rewrites keepalived's "(FILE: Line N)" about the rendered
// configuration into the user's file and line.
func (r *Replay) Explain(msg string) string {
	return renderedLine.ReplaceAllStringFunc(msg, func(m string) string {
		sub := renderedLine.FindStringSubmatch(m)
		n, _ := strconv.Atoi(sub[2])
		if o := r.Origin(n); o != "" {
			return "(" + o + ")"
		}
		return m
	})
}

// keep drops the monitor buffer lines when the lab sets its own.
func keep(block []*kaconf.Node, bufferSet bool) []*kaconf.Node {
	out := make([]*kaconf.Node, 0, len(block))
	for _, n := range block {
		if bufferSet && strings.HasPrefix(n.Keyword, "vrrp_netlink_monitor_rcv_bufs") {
			continue
		}
		out = append(out, n)
	}
	return out
}

// write writes a statement and its block, one statement per line, and
// records where each line came from.
func (r *Replay) write(sb *strings.Builder, n *kaconf.Node, depth int) {
	origin := ""
	if n.File != "" {
		origin = fmt.Sprintf("%s:%d", n.File, n.Line)
	}
	r.origin = append(r.origin, origin)
	sb.WriteString(strings.Repeat("    ", depth))
	sb.WriteString(quote(n.Keyword))
	for _, a := range n.Args {
		sb.WriteByte(' ')
		sb.WriteString(quote(a))
	}
	if n.Block == nil {
		sb.WriteByte('\n')
		return
	}
	sb.WriteString(" {\n")
	for _, c := range n.Block {
		r.write(sb, c, depth+1)
	}
	sb.WriteString(strings.Repeat("    ", depth) + "}\n")
	r.origin = append(r.origin, "")
}

// quote double-quotes a word that keepalived would otherwise split or
// read as a comment, a brace or a definition.
func quote(w string) string {
	if w == "" || strings.ContainsAny(w, " \t#!{}$\\") {
		return `"` + w + `"`
	}
	return w
}
