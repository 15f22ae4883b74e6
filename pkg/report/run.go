package report

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// Run writes a run's result in the given format. A result with no
// measurement (the run failed before converging) shows the lab only.
func Run(w io.Writer, f Format, r result.Result) error {
	if f == FormatJSON {
		return JSON(w, r)
	}
	if r.Verdict == nil {
		return labTable(w, f, r)
	}
	ew := &errWriter{w: w}
	runHeader(ew, r)
	if ew.err != nil {
		return ew.err
	}
	if err := stormTable(w, f, r); err != nil {
		return err
	}
	ew.printf("\n")
	if err := instanceTable(w, f, r); err != nil {
		return err
	}
	runNotes(ew, r)
	recommendation(ew, f, r)
	return ew.err
}

// runHeader writes what ran: the lab and its options, the replay, the
// monitor under test.
func runHeader(ew *errWriter, r result.Result) {
	sc := r.Scenario
	opts := []string{fmt.Sprintf("VRRPv%d every %v", sc.Version, sc.AdvertInterval)}
	if sc.ByBelief() {
		opts = []string{"no VRRP: each VRID a macvlan, judged by the daemon's own view of it"}
	}
	if sc.FlapMode == scenario.FlapCarrier {
		opts = append(opts, "carrier flaps (the peer's end goes down)")
	}
	if p := sc.FlapPattern; p.String() != string(flap.Single) { // the zero pattern is single too
		opts = append(opts, "flap pattern "+p.String())
	}
	if fl := r.Lab.Flapped; len(fl) > 0 && len(fl) < len(r.Lab.Interfaces) {
		opts = append(opts, fmt.Sprintf("flapping %s only (%d instances)", strings.Join(fl, ","), r.Lab.FlappedInstances))
	}
	if r.Lab.VMACs > 0 && !sc.ByBelief() { // some targets' labs have them whatever --vmac says
		opts = append(opts, "VMAC")
	}
	if !sc.ByBelief() {
		opts = append(opts, fmt.Sprintf("%d VIP/VRID", sc.VIPsPerVRID), fmt.Sprintf("%d routes/VRID", sc.RoutesPerVRID))
	}
	ew.printf("nlstress run %s (target %s): %d VRIDs on %s, %s; %d flap(s); lab %s\n", r.Lab.RunID, r.Target, r.Lab.Instances,
		strings.Join(r.Lab.Interfaces, ","), strings.Join(opts, ", "), len(r.Flaps), keptText(r.Lab))
	if rp := r.Replay; rp != nil {
		ew.printf("replay: %s\n", rp.Summary)
		for _, a := range rp.Addresses {
			ew.printf("  addresses %s\n", a)
		}
		for _, c := range rp.Changes {
			ew.printf("  rewritten %s\n", c)
		}
		for _, w := range rp.Warnings {
			ew.printf("  warning %s\n", w)
		}
	}
	if r.Daemon != "" {
		ew.printf("daemon: %s\n", r.Daemon)
	}
	if hl := r.HostLoad; hl != nil {
		ew.printf("host load: %d %% of CPUs %v asked, %.1f %% achieved\n", hl.Asked, hl.CPUs, hl.Achieved)
	}
	if sc := r.Scripts; sc != nil {
		ew.printf("scripts: %s; they ran %s\n", sc.Summary, ranText(sc.Ran))
	}
	m := r.Monitor
	capped := ""
	if m.Capped {
		capped = fmt.Sprintf(" (CAPPED by net.core.rmem_max %d)", r.Host.RmemMax)
	}
	if m.External {
		ew.printf("monitor: %s socket (pid %d, inode %d), watched through sock_diag; groups %s; %s -> effective %d%s\n\n",
			m.Owner, m.PID, m.Inode, strings.Join(m.Groups, ","), m.Setting, m.Effective, capped)
	} else {
		ew.printf("monitor: groups %s; %s -> effective %d%s; on overrun: %s; cost %v/message, %v/transition, %v/tracking instance\n\n",
			strings.Join(m.Groups, ","), m.Setting, m.Effective, capped, m.Policy, m.Cost, m.TransitionCost, m.TrackCost)
	}
}

// stormTable is the netlink side of each flap: what the kernel sent, what
// the monitor received and lost, the queue's peak, the books.
func stormTable(w io.Writer, f Format, r result.Result) error {
	sc, m := r.Scenario, r.Monitor
	var rows [][]string
	for _, fl := range r.Flaps {
		for _, ph := range phases(fl, sc.FlapPattern) {
			p := ph.p
			received, enobufs, books := u(p.Received), u(p.ENOBUFS), balance(p)
			if p.Inferred {
				received += " (inferred)"
				books = "n/a"
			}
			if m.External {
				enobufs = "not visible"
			}
			sent := u(p.Storm.Messages)
			if p.Storm.Churn > 0 {
				sent += fmt.Sprintf(" (%s churn)", u(p.Storm.Churn))
			}
			rows = append(rows, []string{
				strconv.Itoa(fl.Index), ph.name, sent, kb(p.Storm.Truesize), received,
				u(p.Drops), enobufs, peak(p, *m), books,
			})
		}
	}
	return Table(w, f, []string{"flap", "link", "kernel sent", "storm truesize", "received", "kernel drops", "ENOBUFS", "peak queue / rcvbuf", "books"}, rows)
}

// instanceTable is the VRRP side of each flap: FAULT, the peer's takeover,
// the recovery, the instances stuck, what the wire heard.
func instanceTable(w io.Writer, f Format, r result.Result) error {
	sc := r.Scenario
	var rows [][]string
	judged := r.Lab.Instances
	if r.Lab.FlappedInstances > 0 {
		judged = r.Lab.FlappedInstances
	}
	for _, fl := range r.Flaps {
		fault, takeover, wire := durOrMissing(fl.AllFault, fl.NotFault, "not FAULT"), durOrMissing(fl.PeerTakeover, fl.PeerNotMaster, "peer not MASTER"), fmt.Sprintf("%d/%d", fl.Advertising, judged)
		if fl.OneWindow {
			fault, takeover = "not held", "not held"
			if sc.FlapPattern.Daemon() {
				fault, takeover = string(sc.FlapPattern.Kind), string(sc.FlapPattern.Kind)
			}
		}
		if sc.Peerless() {
			takeover, wire = "no peer", "no peer"
		}
		rows = append(rows, []string{
			strconv.Itoa(fl.Index), fault, takeover,
			fmt.Sprintf("%d/%d", fl.Recovery.Count, judged),
			secs(fl.Recovery.P50), secs(fl.Recovery.P95), secs(fl.Recovery.Max),
			strconv.Itoa(len(fl.Stuck)), wire,
		})
	}
	head := []string{"flap", "down -> all FAULT", "peer takeover", "back to MASTER", "p50", "p95", "max", "stuck", "advertising (wire)"}
	if sc.ByBelief() {
		// No VRRP: the daemon's view of the links, and no peer or wire.
		head = []string{"flap", "all down in its view", "back up in its view", "p50", "p95", "max", "stuck"}
		for i, row := range rows {
			rows[i] = append(row[:2:2], row[3:8]...)
		}
	}
	return Table(w, f, head, rows)
}

// runNotes are the lines under the tables: link changes, a restart's
// shutdown, churn, the instances whose messages were lost or stuck, the
// rates over the flaps, nlstress's own CPU, the overrun policy's work.
func runNotes(ew *errWriter, r result.Result) {
	sc, m := r.Scenario, r.Monitor
	for _, fl := range r.Flaps {
		if fl.Changes > 2*len(r.Lab.Flapped) {
			var admin, carrier uint64
			for _, ph := range phases(fl, sc.FlapPattern) {
				admin, carrier = admin+ph.p.Storm.AdminChanges, carrier+ph.p.Storm.CarrierChanges
			}
			ew.printf("flap %d: %d link changes made; the kernel reported %d admin and %d carrier changes\n", fl.Index, fl.Changes, admin, carrier)
		}
		if st := fl.Shutdown; st != nil {
			ew.printf("flap %d: the daemon's shutdown sent %s messages, %s (to its own monitor, closed with it: not counted above)\n", fl.Index, u(st.Messages), kb(st.Truesize))
		}
		for _, st := range fl.Churn {
			ew.printf("flap %d: %s\n", fl.Index, st)
		}
		for _, ph := range phases(fl, sc.FlapPattern) {
			if n := len(ph.p.LinkLost); n > 0 {
				ew.printf("flap %d, link %s: every link message of %d instance(s) lost: %s\n", fl.Index, ph.name, n, stuckText(ph.p.LinkLost))
			}
			if len(ph.p.Missed) > 0 {
				ew.printf("flap %d, link %s: the monitor lost the last link change of %s\n", fl.Index, ph.name, stuckText(ph.p.Missed))
			}
		}
		if len(fl.Stuck) > 0 {
			ew.printf("flap %d: stuck after link up: %s\n", fl.Index, stuckText(fl.Stuck))
		}
	}
	if t := r.Totals; len(r.Flaps) > 1 {
		ew.printf("the monitor lost messages in %s; instances stuck after %s\n", t.LossRate.Of("flaps"), t.StuckRate.Of("flaps"))
	}
	pathNotes(ew, r)
	cycles(ew, r.Flaps)
	if m.External && len(r.Flaps) > 0 {
		worst := 0.0
		for _, fl := range r.Flaps {
			worst = max(worst, fl.HarnessCPU)
		}
		ew.printf("nlstress's own CPU in the first 200 ms of each storm: at most %.1f %% of one core\n", worst)
	}
	if m.Resyncs > 0 {
		ew.printf("overrun policy %s: %d resync(s), %v in all\n", m.Policy, m.Resyncs, m.ResyncTime.Round(time.Microsecond))
	}
}

// cycles says how long a flap took, median over the flaps, and how much
// of it was neither the pattern's hold nor the protocol's recovery.
func cycles(ew *errWriter, flaps []result.Flap) {
	if c := result.CyclesOf(flaps); c.Flaps > 0 {
		ew.printf("flap cycle, %s\n", cycleWords(c))
	}
}

// cycleWords says a Cycles in words.
func cycleWords(c result.Cycles) string {
	return fmt.Sprintf("medians of %d flaps: %s in all; the hold %s, the recovery to the last instance %s, nlstress's own waits %s (rest before the downs, the peer, the windows; at most %s)",
		c.Flaps, secs(c.Cycle), secs(c.Hold), secs(c.Recovery), secs(c.Own), secs(c.OwnMax))
}

// recommendation is the buffer that holds the largest storm, where it is
// set and the lines that do, and the verdict.
func recommendation(ew *errWriter, f Format, r result.Result) {
	sc := r.Scenario
	rec := r.Recommendation
	enough := "the buffer under test is smaller"
	if rec.Enough {
		enough = "the buffer under test is enough"
	}
	churned := ""
	if sc.Churns() {
		churned = " (background churn left out, at its truesize per message measured alone)"
	}
	ew.printf("\nlargest storm: %s of truesize%s; a buffer that holds it whole with %d%% margin is %d bytes effective (%s).\n",
		kb(r.Totals.LargestStorm), churned, int(rec.Margin*100), rec.Needed, enough)
	ew.printf("%s (the kernel doubles the value):\n", rec.Paste.Where)
	paste(ew, f, "    ", rec.Paste.Lines)
	ew.printf("\n%s\n", r.Verdict.Line)
}

// namedPhase is a flap's window with its name in the tables.
type namedPhase struct {
	name string
	p    result.Phase
}

// phases are a flap's windows: down and up, or one for a pattern that
// does not hold the links down, named "all" for a bounce and after the
// event for a reload or restart.
func phases(fl result.Flap, p flap.Pattern) []namedPhase {
	if fl.OneWindow {
		if p.Daemon() {
			return []namedPhase{{string(p.Kind), fl.Up}}
		}
		return []namedPhase{{"all", fl.Up}}
	}
	return []namedPhase{{"down", fl.Down}, {"up", fl.Up}}
}

// peak is a phase's peak queue against the buffer: the exact one where
// the kernel was watched, else the sampled one, or "not sampled".
func peak(p result.Phase, m result.Monitor) string {
	switch {
	case m.PeakExact && p.PeakQueueExact > 0:
		return kb(p.PeakQueueExact) + " / " + kb(uint64(m.Effective))
	case m.SampleInterval == 0:
		return "not sampled / " + kb(uint64(m.Effective))
	}
	return kb(p.PeakQueue) + " (sampled) / " + kb(uint64(m.Effective))
}

// labTable is the lab alone, for a run that measured nothing.
func labTable(w io.Writer, f Format, r result.Result) error {
	rows := [][]string{
		{"run id", r.Lab.RunID},
		{"namespaces", strings.Join(r.Lab.Namespaces, ", ")},
		{"interfaces", strings.Join(r.Lab.Interfaces, ", ")},
		{"VRRP instances", strconv.Itoa(r.Lab.Instances)},
		{"VMAC macvlans", strconv.Itoa(r.Lab.VMACs)},
		{"lab build time", r.Lab.BuildTime.Round(time.Millisecond).String()},
		{"lab", keptText(r.Lab)},
		{"kernel", r.Host.Kernel},
		{"net.core.rmem_max", strconv.FormatInt(r.Host.RmemMax, 10)},
	}
	return Table(w, f, []string{"lab", "value"}, rows)
}

func keptText(l result.Lab) string {
	if l.Kept {
		return fmt.Sprintf("kept: enter it with 'ip netns exec %s bash'; remove it with 'nlstress cleanup'", strings.Join(l.Namespaces, "' or '"))
	}
	return "removed"
}

// stuckText lists stuck instances compactly: "VRIDs 57-255 on eth2 (FAULT)".
func stuckText(st []result.Instance) string {
	type key struct{ ifc, state string }
	var order []key
	byKey := map[key][]int{}
	for _, s := range st {
		k := key{s.Interface, s.State}
		if _, ok := byKey[k]; !ok {
			order = append(order, k)
		}
		byKey[k] = append(byKey[k], int(s.VRID))
	}
	var parts []string
	for _, k := range order {
		parts = append(parts, fmt.Sprintf("VRIDs %s on %s (%s)", ranges(byKey[k]), k.ifc, k.state))
	}
	return strings.Join(parts, "; ")
}

// ranges prints sorted integers as "1-5, 7, 9-12".
func ranges(v []int) string {
	var parts []string
	for i := 0; i < len(v); {
		j := i
		for j+1 < len(v) && v[j+1] == v[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(v[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", v[i], v[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func balance(p result.Phase) string {
	switch {
	case p.Balanced == nil:
		return "n/a"
	case *p.Balanced:
		return "balance"
	}
	return fmt.Sprintf("OFF by %d", int64(p.Storm.Messages)-int64(p.Received+p.Drops))
}

func durOrMissing(d time.Duration, missing int, what string) string {
	if missing > 0 {
		return fmt.Sprintf("%d %s", missing, what)
	}
	return secs(d)
}

func secs(d time.Duration) string { return fmt.Sprintf("%.3f s", d.Seconds()) }

func u(n uint64) string { return strconv.FormatUint(n, 10) }

// kb prints a byte count as a person reads buffer sizes.
func kb(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.2f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// errWriter keeps the first write error, so a run of prints checks once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

// Cleanup writes what "nlstress cleanup" found and did.
func Cleanup(w io.Writer, f Format, found []lab.Leftover) error {
	if f == FormatJSON {
		if found == nil {
			found = []lab.Leftover{}
		}
		return JSON(w, struct {
			SchemaVersion int            `json:"schema_version"`
			Removed       []lab.Leftover `json:"leftovers"`
		}{result.SchemaVersion, found})
	}
	if len(found) == 0 {
		_, err := io.WriteString(w, "nothing to clean up\n")
		return err
	}
	rows := make([][]string, len(found))
	for i, lo := range found {
		rows[i] = []string{lo.Kind, lo.Name, lo.RunID, lo.Action}
	}
	return Table(w, f, []string{"kind", "name", "run", "action"}, rows)
}

// ranText is how often each kind of stand-in ran: "765 times (notify
// 765)", or "never".
func ranText(ran map[string]uint64) string {
	var total uint64
	kinds := make([]string, 0, len(ran))
	for k, n := range ran {
		total += n
		kinds = append(kinds, k)
	}
	if total == 0 {
		return "never"
	}
	slices.Sort(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%s %d", k, ran[k])
	}
	return fmt.Sprintf("%d times (%s)", total, strings.Join(parts, ", "))
}
