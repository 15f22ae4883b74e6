package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/exporter"
	"github.com/nlstress/nlstress/pkg/result"
)

// FormatPrometheus is the text exposition format, for node_exporter's
// textfile collector. Only diagnose offers it.
const FormatPrometheus Format = "prometheus"

// Diagnose writes what diagnose found.
func Diagnose(w io.Writer, f Format, rep diagnose.Report) error {
	switch f {
	case FormatJSON:
		return JSON(w, rep)
	case FormatPrometheus:
		reg, err := exporter.Registry(exporter.Static(rep))
		if err != nil {
			return err
		}
		return exporter.Write(w, reg)
	}
	ew := &errWriter{w: w}
	h := rep.Host
	ew.printf("host: kernel %s; net.core.rmem_max %d; net.core.rmem_default %d\n  %s\n\n", h.Kernel, h.RmemMax, h.RmemDefault, h.Meaning)
	if ew.err != nil {
		return ew.err
	}
	if err := SocketTable(w, f, rep.Sockets); err != nil {
		return err
	}
	if k := rep.Keepalived; k != nil {
		if k.Conf != "" {
			keepalivedConf(ew, f, k)
		}
		for _, s := range k.Live {
			ew.printf("\nrunning keepalived %s in %s: monitor socket inode %d, rcvbuf %d, queued %d, drops %d%s\n",
				s.Label(), s.Namespace, s.Inode, s.RcvBuf, s.Rmem, s.Drops, dropsNote(s.Drops))
		}
		if len(k.Processes) > 0 && len(k.Live) == 0 {
			ew.printf("\nrunning keepalived pids %v: no monitor socket found (not a VRRP process, or in another namespace: try --all-namespaces)\n", k.Processes)
		}
	}
	if rep.FRR != nil {
		diagnoseFRR(ew, f, *rep.FRR)
	}
	return ew.err
}

// diagnoseFRR writes the running zebras and the frr.conf analysis.
func diagnoseFRR(ew *errWriter, f Format, r diagnose.FRRReport) {
	for _, z := range r.Zebras {
		buf := "zebra's default --nl-bufsize"
		if z.NLBufSize > 0 {
			buf = fmt.Sprintf("--nl-bufsize %d on its command line", z.NLBufSize)
		}
		ew.printf("\nrunning zebra (pid %d), %s:\n", z.PID, buf)
		for _, s := range []*diagnose.Socket{z.Listen, z.DataplaneIn} {
			if s != nil {
				ew.printf("  %s in %s: inode %d, rcvbuf %d, queued %d, drops %d%s\n", s.Role, s.Namespace, s.Inode, s.RcvBuf, s.Rmem, s.Drops, zebraDropsNote(s.Drops))
			}
		}
	}
	a := r.Analysis
	if a == nil {
		return
	}
	macvlans := 0
	for _, rt := range a.Routers {
		macvlans += rt.Macvlans()
	}
	if len(a.Routers) == 0 {
		// Nothing to size: say so, without a flap of no interface.
		ew.printf("\nFRR configuration %s: no vrrp router\n", a.Conf)
		ew.printf("  zebra's buffer: --nl-bufsize %d (%s), granted %d\n", a.NLBufSize, a.NLBufFrom, a.Configured)
		findings(ew, f, a.Findings)
		return
	}
	ew.printf("\nFRR configuration %s: %d vrrp routers needing %d macvlans; the most on %s: %d macvlans, %d further addresses\n",
		a.Conf, len(a.Routers), macvlans, a.Largest, a.Macvlans, a.ExtraAddrs)
	ew.printf("  flap of %s: about %d bytes of truesize on zebra's listening socket (%d B per macvlan, %d B per further address, measured; plus %.0f%% headroom)\n",
		a.Largest, a.Storm, diagnose.ZebraBytesPerMacvlan, diagnose.ZebraBytesPerAddress, 100*(diagnose.Headroom-1))
	ew.printf("  zebra's buffer: --nl-bufsize %d (%s), granted %d; needed with %d%% margin: %d\n",
		a.NLBufSize, a.NLBufFrom, a.Configured, int(a.Recommendation.Margin*100), a.Recommendation.Needed)
	findings(ew, f, a.Findings)
	ew.printf("  this is an estimate; to measure FRR with as many macvlans in a lab:\n")
	paste(ew, f, "      ", []string{a.Measure})
}

// findings writes a configuration's findings with the lines to paste.
func findings(ew *errWriter, f Format, fs []diagnose.Finding) {
	for _, fd := range fs {
		ew.printf("  %s: %s\n", strings.ToUpper(fd.Severity), fd.Text)
		if len(fd.Paste) > 0 {
			ew.printf("      paste into %s:\n", fd.Where)
			paste(ew, f, "          ", fd.Paste)
		}
	}
}

func zebraDropsNote(d uint32) string {
	if d > 0 {
		return ": zebra has lost messages since it started and does not know it (its MSG_PEEK takes the ENOBUFS); nothing resyncs them"
	}
	return ""
}

func dropsNote(d uint32) string {
	if d > 0 {
		return ": it has lost link and address messages since it started; with keepalived's policy they stay lost"
	}
	return ""
}

// SocketTable writes the sockets, grouped by process, flagging drops and
// near-full queues.
func SocketTable(w io.Writer, f Format, socks []diagnose.Socket) error {
	rows := make([][]string, 0, len(socks))
	kernel := 0
	prev := ""
	for _, s := range socks {
		if s.PID == 0 && s.PortID == 0 && s.Drops == 0 {
			kernel++ // the kernel's own end of each protocol: never a reader
			continue
		}
		var flags []string
		if s.Drops > 0 {
			flags = append(flags, "DROPS")
		}
		if s.NearFull {
			flags = append(flags, "NEAR FULL")
		}
		if s.NoENOBUFS() {
			flags = append(flags, "NO_ENOBUFS (silent loss)")
		}
		groups := strings.Join(s.GroupNames, ",")
		if groups == "" && len(s.Groups) > 0 {
			groups = fmt.Sprint(s.Groups)
		}
		// Group by process: name the owner on its first socket only.
		owner := s.Namespace + "/" + s.Label()
		label := s.Label()
		if owner == prev {
			label = `  "`
		}
		prev = owner
		rows = append(rows, []string{s.Namespace, label, s.Protocol.String(), groups,
			strconv.FormatUint(uint64(s.RcvBuf), 10), strconv.FormatUint(uint64(s.Rmem), 10), strconv.FormatUint(uint64(s.Drops), 10), strings.Join(flags, " ")})
	}
	if err := Table(w, f, []string{"namespace", "owner", "protocol", "groups", "rcvbuf", "queued", "drops", "flags"}, rows); err != nil {
		return err
	}
	if kernel > 0 {
		_, err := fmt.Fprintf(w, "(%d kernel-side sockets not shown; --output json lists every socket)\n", kernel)
		return err
	}
	return nil
}

// WatchTable writes one refresh of diagnose --watch: sockets with their
// drop rate, busiest first.
// Watch returns what diagnose --watch calls with each sample: a table
// redrawn in place when w is a terminal (clear and home first), tables one
// after another otherwise, or with FormatJSON one JSON object per line
// (NDJSON: {"schema_version": ..., "time": ..., "sockets": [...]}), which
// line-oriented readers take.
func Watch(w io.Writer, f Format, terminal bool) func([]diagnose.Rate) error {
	return func(rates []diagnose.Rate) error {
		if f == FormatJSON {
			b, err := json.Marshal(struct {
				SchemaVersion int             `json:"schema_version"`
				Time          time.Time       `json:"time"`
				Sockets       []diagnose.Rate `json:"sockets"`
			}{result.SchemaVersion, time.Now().UTC(), rates})
			if err != nil {
				return fmt.Errorf("render json: %w", err)
			}
			_, err = w.Write(append(b, '\n'))
			return err
		}
		if terminal && f == FormatTable {
			if _, err := io.WriteString(w, "\033[H\033[2J"); err != nil {
				return err
			}
		}
		return WatchTable(w, f, rates)
	}
}

// WatchTable writes one sample of diagnose --watch as a table, the
// fastest-dropping socket first.
func WatchTable(w io.Writer, f Format, rates []diagnose.Rate) error {
	sort.SliceStable(rates, func(i, j int) bool { return rates[i].DropsPerSecond > rates[j].DropsPerSecond })
	rows := make([][]string, 0, len(rates))
	for _, r := range rates {
		rows = append(rows, []string{r.Namespace, r.Label(), r.Protocol.String(), strings.Join(r.GroupNames, ","),
			strconv.FormatUint(uint64(r.RcvBuf), 10), strconv.FormatUint(uint64(r.Rmem), 10),
			strconv.FormatUint(uint64(r.Drops), 10), strconv.FormatFloat(r.DropsPerSecond, 'f', 1, 64)})
	}
	return Table(w, f, []string{"namespace", "owner", "protocol", "groups", "rcvbuf", "queued", "drops", "drops/s"}, rows)
}

// keepalivedConf prints a keepalived configuration's analysis: the storm
// of a flap and the buffer against it, or, with no instance, only why
// there is nothing to size.
func keepalivedConf(ew *errWriter, f Format, k *diagnose.KeepalivedReport) {
	e := k.Estimate
	ew.printf("\nkeepalived configuration %s (read with config id %q): %d instances\n", k.Conf, k.Config.ConfigID, k.Instances)
	for _, w := range k.Config.Warnings {
		ew.printf("  warning: %s\n", w)
	}
	if k.Instances == 0 {
		findings(ew, f, k.Findings)
		return
	}
	ew.printf("  flap of %s: %d instances, %d VMACs, %d VIPs, %d routes, %d rules: about %d bytes of truesize per transition\n",
		e.Interface, e.Instances, e.VMACs, e.VIPs, e.Routes, e.Rules, e.Storm)
	ew.printf("  storm by message (truesize assumed): %d RTM_NEWLINK of VMACs × %d B, %d address (VIPs, and IPv6 VMACs' link-local) × %d B, "+
		"%d route the addresses bring and %d virtual route (of which %d IPv6 × %d B, the rest × %d B), %d virtual rule × %d B, "+
		"each interface's own %d B × %d; plus %.0f%% headroom\n",
		e.VMACs, diagnose.BytesPerVMAC, e.VIPs+e.VMACAddrs, diagnose.BytesPerVIP, e.VIPRoutes, e.Routes, e.Routes6, diagnose.BytesPerRoute6,
		diagnose.BytesPerRoute, e.Rules, diagnose.BytesPerRule, diagnose.BytesBase, e.Interfaces, 100*(diagnose.Headroom-1))
	capped := ""
	if e.CappedByRmem {
		capped = " (capped by net.core.rmem_max)"
	}
	ew.printf("  monitor buffer keepalived gets: %d%s; needed with %d%% margin: %d\n", e.Configured, capped, int(e.Recommendation.Margin*100), e.Recommendation.Needed)
	findings(ew, f, k.Findings)
	ew.printf("  this is an estimate; to measure the real keepalived replaying this configuration in a lab:\n")
	paste(ew, f, "      ", []string{k.Measure})
}
