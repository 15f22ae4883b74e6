package result

import (
	"fmt"
	"slices"
	"time"

	"github.com/nlstress/nlstress/pkg/churn"
	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/hostload"
	"github.com/nlstress/nlstress/pkg/stats"
	"github.com/nlstress/nlstress/pkg/target"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// Verdict statuses.
const (
	// StatusError: the run measured something that cannot be trusted
	// (the oracle itself dropped messages).
	StatusError = "ERROR"
	// StatusPass: every instance recovered after every flap and the monitor
	// lost nothing.
	StatusPass = "PASS"
	// StatusLoss: every instance recovered, but the monitor lost messages;
	// only the overrun policy (resync, restart) saved the run.
	StatusLoss = "LOSS"
	// StatusFail: instances stayed out of MASTER after a link came back.
	StatusFail = "FAIL"
	// StatusIncomplete: the run was stopped (SIGINT, SIGTERM) before its
	// last flap; its figures are those of the flaps it finished.
	StatusIncomplete = "INCOMPLETE"
)

// Storm is what the kernel emitted to the monitor's groups in one phase,
// as the oracle counted it.
type Storm struct {
	Messages uint64            `json:"messages"`
	Bytes    uint64            `json:"bytes"`    // netlink length
	Truesize uint64            `json:"truesize"` // skb truesize the storm occupies when queued whole
	ByType   map[string]uint64 `json:"by_type"`
	// OracleDrops is what the oracle itself lost: anything but 0 means the
	// storm figures are not ground truth.
	OracleDrops uint64 `json:"oracle_drops"`
	// AdminChanges and CarrierChanges are the link transitions the kernel
	// reported in the window: link messages in which IFF_UP, or
	// IFF_LOWER_UP, changed (linkwatch coalesces carrier changes closer
	// than its one-second batch).
	AdminChanges   uint64 `json:"admin_changes"`
	CarrierChanges uint64 `json:"carrier_changes"`
	// Churn counts the messages, of Messages, that background churn
	// made (about the churn link): the rest is the flap's storm.
	Churn      uint64 `json:"churn_messages"`
	ChurnBytes uint64 `json:"churn_bytes"`
	// ChurnTruesize is churn's share of Truesize: its messages times the
	// truesize per message of the churn measured alone in the second
	// before the flap (the kernel reports one truesize for the queue).
	ChurnTruesize uint64 `json:"churn_truesize"`
}

// FlapTruesize is the truesize of the flap's own storm: Truesize less
// background churn's share.
func (s Storm) FlapTruesize() uint64 { return s.Truesize - min(s.ChurnTruesize, s.Truesize) }

// Phase is one link transition (down or up) as the storm and the monitor
// saw it.
type Phase struct {
	Storm Storm `json:"storm"`
	// Received is what the monitor read in the phase.
	Received uint64 `json:"received"`
	// ENOBUFS is how many overrun episodes the monitor was told of.
	ENOBUFS uint64 `json:"enobufs"`
	// Drops is the kernel's sk_drops for the monitor socket in the phase.
	Drops uint64 `json:"drops"`
	// PeakQueue is the highest rmem_alloc the sampler saw, bytes.
	PeakQueue uint64 `json:"peak_queue"`
	// PeakQueueExact is the queue's high-water mark in the phase, read
	// in the kernel at every message queued (package queuepeak): the
	// smallest effective buffer at which this phase loses nothing. 0 when
	// it was not watched (Monitor.PeakExact false) or the socket changed
	// in the phase.
	PeakQueueExact uint64 `json:"peak_queue_exact,omitempty"`
	// Balanced says storm.messages == received + drops; nil (JSON null)
	// when it cannot be measured: an external daemon's reads are not
	// visible.
	Balanced *bool `json:"balanced"`
	// Missed are the instances whose link state the monitor had wrong at
	// the end of the phase: the kernel's last message about a link they
	// track (their VMAC, their interface) was lost, so the daemon
	// "believes down" a link that is up (the instance stays in FAULT) or
	// "believes up" one that is down. Known for the built-in engine (its
	// reads), zebra (its "show interface") and keepalived with
	// --keepalived-log console (its log); empty for the others.
	Missed []Instance `json:"missed,omitempty"`
	// LinkLost are the instances with a tracked link (their interface or
	// VMAC) every message of which in the phase was lost (the kernel sent
	// some, the monitor read none), in the order of their messages in the
	// storm.
	// An instance whose "down" was read and whose "up" was lost is the
	// one that stays in FAULT (Missed "believes down" after link up). The
	// built-in engine only.
	LinkLost []Instance `json:"link_lost,omitempty"`
	// Inferred says Received was not counted but inferred as storm
	// messages less kernel drops (an external daemon's reads are not
	// visible), so Balanced is nil: not measurable.
	Inferred bool `json:"received_inferred,omitempty"`
	// LinkBursts are the phase's link messages as they came, in bursts
	// a second apart or at once (flap.BurstGap), timed from the flap's
	// first down (the down window, or the one window of a pattern that
	// does not hold the links down) or its last up (the up window): a
	// staggered pattern's earlier ups are timed negative. At an admin down linkwatch sends the VMACs' changes
	// either at once or in runs of 100 a second apart, by a race in the
	// kernel, and which decides what the monitor gets to read (FINDINGS).
	// Empty when the phase had no link message or was not timed.
	LinkBursts []flap.Burst `json:"link_bursts,omitempty"`
	// LinkBurstsShort says the clock's own socket dropped link messages:
	// the bursts' counts are short.
	LinkBurstsShort bool `json:"link_bursts_short,omitempty"`
}

// Overhead is the part of the flap's cycle that neither the pattern's
// hold (downs to last up) nor the protocol's recovery (last up to the
// last instance back, Recovery.Max) took: nlstress's own waits (for rest,
// for the peer, for the windows to close). 0 when the cycle was not
// measured.
func (f Flap) Overhead() time.Duration {
	if f.Cycle == 0 {
		return 0
	}
	return max(f.Cycle-f.UpAt.Sub(f.DownAt)-f.Recovery.Max, 0)
}

// Cycles is how long flaps took, as medians over the flaps whose cycle
// was measured: the whole cycle, the hold (downs to last up), the
// recovery to the last instance, and nlstress's own waits (Overhead), the
// longest of which is kept too.
type Cycles struct {
	Flaps    int           `json:"flaps"`
	Cycle    time.Duration `json:"cycle_p50_ns"`
	Hold     time.Duration `json:"hold_p50_ns"`
	Recovery time.Duration `json:"recovery_max_p50_ns"`
	Own      time.Duration `json:"own_waits_p50_ns"`
	OwnMax   time.Duration `json:"own_waits_max_ns"`
}

// CyclesOf summarises the cycles of flaps; zero when none was measured.
func CyclesOf(flaps []Flap) Cycles {
	var cycle, hold, rec, own []time.Duration
	for _, f := range flaps {
		if f.Cycle > 0 {
			cycle, own = append(cycle, f.Cycle), append(own, f.Overhead())
			hold, rec = append(hold, f.UpAt.Sub(f.DownAt)), append(rec, f.Recovery.Max)
		}
	}
	if len(cycle) == 0 {
		return Cycles{}
	}
	med := func(ds []time.Duration) time.Duration { slices.Sort(ds); return ds[len(ds)/2] }
	return Cycles{Flaps: len(cycle), Cycle: med(cycle), Hold: med(hold), Recovery: med(rec), Own: med(own), OwnMax: slices.Max(own)}
}

// ExactPeak is the flap's exact queue peak, the higher of its phases'
// (Phase.PeakQueueExact), and whether every phase of it was watched.
func (f Flap) ExactPeak() (uint64, bool) {
	if f.OneWindow {
		return f.Up.PeakQueueExact, f.Up.PeakQueueExact > 0
	}
	return max(f.Down.PeakQueueExact, f.Up.PeakQueueExact), f.Down.PeakQueueExact > 0 && f.Up.PeakQueueExact > 0
}

// Durations summarises per-instance times.
type Durations struct {
	Count int           `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P95   time.Duration `json:"p95_ns"`
	Max   time.Duration `json:"max_ns"`
}

// Instance names one VRRP instance in a report.
type Instance struct {
	VRID      uint8  `json:"vrid"`
	Interface string `json:"interface"`
	State     string `json:"state"`
}

// Flap is one link down and up, and what followed.
type Flap struct {
	Index int `json:"index"` // 1-based
	// DownAt is the first down of the flap's pattern, UpAt its last up.
	DownAt time.Time `json:"down_at"`
	UpAt   time.Time `json:"up_at"`
	// Changes is how many link changes (downs and ups) the flapper made.
	Changes int `json:"link_changes"`
	// Down is the window of the downs and Up that of the ups. A pattern
	// that does not hold the links down (a bounce) is one window: Up, from
	// its first down on; Down is then empty and OneWindow true.
	Down      Phase `json:"down"`
	Up        Phase `json:"up"`
	OneWindow bool  `json:"one_window,omitempty"`
	// Rcvbuf is the monitor's effective buffer (sk_rcvbuf) in the flap.
	Rcvbuf int64 `json:"rcvbuf_effective,omitempty"`
	// Cycle is the flap from its first wait to its last count: the wait
	// for a subject at rest, the pattern's hold, the recovery, the
	// peer's step back and the windows' closing (see Overhead).
	Cycle time.Duration `json:"cycle_ns,omitempty"`
	// Shutdown is, for a restart, what the daemon's shutdown sent: to a
	// monitor that closed with it, so not part of Up.
	Shutdown *Storm `json:"shutdown_storm,omitempty"`
	// HarnessCPU is nlstress's own CPU (sampler, oracle, observers, peer)
	// in the first 200 ms after the last down, percent of one core: what
	// it took from the daemon (or the engine's process) draining its
	// storm. Results from before the engine ran in a process of its own
	// have 0 for the built-in engine.
	HarnessCPU float64 `json:"harness_cpu_200ms_pct,omitempty"`
	// DaemonCPU is the user and system CPU of the process that owns the
	// monitor under test (keepalived's VRRP process, zebra, the engine's
	// process, an exec target) from the flap's start, at rest, to the end
	// of its recovery, to the clock tick; its children (keepalived's
	// scripts) not counted. 0 when it could not be read.
	DaemonCPU time.Duration `json:"daemon_cpu_ns,omitempty"`
	// HostLoad is the competing CPU work over the flap, as asked and as
	// achieved from its start to the end of its recovery; nil without
	// one.
	HostLoad *hostload.Share `json:"host_load,omitempty"`
	// Churn is what each background churn generator did during the flap.
	Churn []churn.Stats `json:"churn,omitempty"`
	// AllFault is the time from link down until the last subject instance
	// entered FAULT; 0 with NotFault > 0 when some never did.
	AllFault time.Duration `json:"all_fault_ns"`
	NotFault int           `json:"not_fault"`
	// PeerTakeover is the time from link down until the last peer instance
	// became MASTER; 0 with PeerNotMaster > 0 when some never did.
	PeerTakeover  time.Duration `json:"peer_takeover_ns"`
	PeerNotMaster int           `json:"peer_not_master"`
	// Recovery is, per subject instance that became MASTER again, the time
	// from link up to that transition.
	Recovery Durations `json:"recovery"`
	// Stuck are the subject instances not MASTER when the recovery timeout
	// ran out.
	Stuck []Instance `json:"stuck"`
	// Advertising is how many VRIDs the peer heard the subject advertise
	// at its own priority after the link came back: the wire's view.
	Advertising int `json:"advertising"`
	// Overruns are what the daemon itself logged about overruns during
	// the flap (zebra's "recvmsg overrun" lines), for a daemon whose log
	// says; empty when it logged none.
	Overruns []string `json:"daemon_overruns,omitempty"`
	// Exited are the outside daemons that were found dead after the flap:
	// a finding, whatever else the flap shows.
	Exited []DaemonExit `json:"daemon_exits,omitempty"`
}

// DaemonExit is an outside daemon that died during a run.
type DaemonExit struct {
	Daemon string `json:"daemon"` // "zebra", "vrrpd"
	PID    int    `json:"pid"`
	// Status is how it ended ("exit status 255", "signal: killed").
	Status string `json:"status"`
	// LastWords is the last line it logged.
	LastWords string `json:"last_words,omitempty"`
}

// String says it in one line.
func (d DaemonExit) String() string {
	s := fmt.Sprintf("%s (pid %d) exited: %s", d.Daemon, d.PID, d.Status)
	if d.LastWords != "" {
		s += `; its last words: "` + d.LastWords + `"`
	}
	return s
}

// Monitor describes the monitor socket under test.
type Monitor struct {
	Groups    []string `json:"groups"`
	Requested int64    `json:"requested"` // --rcvbuf, bytes
	Effective int64    `json:"effective"` // SO_RCVBUF read back
	Force     bool     `json:"force"`
	// Setting says in words how the buffer was asked for, as the target
	// under test sets it ("zebra --nl-bufsize 65536 (SO_RCVBUFFORCE)").
	Setting string `json:"setting,omitempty"`
	// Owner names the socket's owner, for an external daemon's monitor:
	// "keepalived's", "zebra's listening (netlink-listen)".
	Owner string `json:"owner,omitempty"`
	// Default says no --rcvbuf was given: the monitor has the daemon's
	// own default (keepalived's, for the built-in engine).
	Default bool `json:"default,omitempty"`
	// Capped says a plain request was cut down by net.core.rmem_max.
	Capped    bool          `json:"capped"`
	NoENOBUFS bool          `json:"no_enobufs"`
	Policy    string        `json:"policy"`
	Cost      time.Duration `json:"cost_ns"`
	// TransitionCost is the engine's busy work per state change.
	TransitionCost time.Duration `json:"transition_cost_ns,omitempty"`
	// TrackCost is the engine's busy work per tracking instance on a
	// tracked link's change.
	TrackCost time.Duration `json:"track_cost_ns,omitempty"`
	// SampleInterval is how often the queue was sampled for its peak; 0:
	// not sampled, so peak_queue is unknown (0).
	SampleInterval time.Duration `json:"sample_interval_ns"`
	// PeakExact says the queue's peak was also read in the kernel, at
	// every message (Phase.PeakQueueExact); PeakUnwatched says why not.
	PeakExact     bool   `json:"peak_exact,omitempty"`
	PeakUnwatched string `json:"peak_unwatched,omitempty"`
	// External says the monitor is an outside daemon's (keepalived,
	// zebra, an exec target's),
	// watched from outside: received is inferred and its ENOBUFS are not
	// visible. PID and Inode name its socket.
	External bool   `json:"external,omitempty"`
	PID      int    `json:"pid,omitempty"`
	Inode    uint32 `json:"inode,omitempty"`
	// Resyncs and ResyncTime say what the overrun policy did; Restarts
	// counts the sockets the restart policy replaced.
	Resyncs    uint64        `json:"resyncs"`
	Restarts   uint64        `json:"restarts"`
	ResyncTime time.Duration `json:"resync_time_ns"`
}

// Unbalanced reports whether the books were measured and do not balance.
func (t Totals) Unbalanced() bool { return t.Balanced != nil && !*t.Balanced }

// Totals add up the flaps.
type Totals struct {
	StormMessages uint64 `json:"storm_messages"`
	Received      uint64 `json:"received"`
	Drops         uint64 `json:"drops"`
	ENOBUFS       uint64 `json:"enobufs"`
	PeakQueue     uint64 `json:"peak_queue"`
	// PeakQueueExact is the highest of the phases' exact peaks (0: not
	// watched).
	PeakQueueExact uint64 `json:"peak_queue_exact,omitempty"`
	// LargestStorm is the largest truesize of one phase's storm, bytes,
	// background churn left out (Storm.FlapTruesize).
	LargestStorm uint64 `json:"largest_storm"`
	// Balanced says oracle messages == received + drops over the whole
	// run, counted from convergence to the end; nil (JSON null) when it
	// cannot be measured (an external daemon).
	Balanced *bool `json:"balanced"`
	// OracleDrops is what the oracle itself lost over the run: anything
	// but 0 makes the storm figures, and so the verdict, untrustworthy.
	OracleDrops uint64 `json:"oracle_drops"`
	// FlapsWithLoss and FlapsWithStuck count the flaps in which the
	// monitor lost messages, and after which instances were stuck: with
	// several flaps, loss and the incident's symptom are rates, not yes
	// or no.
	FlapsWithLoss  int `json:"flaps_with_loss"`
	FlapsWithStuck int `json:"flaps_with_stuck"`
	// LossRate and StuckRate are the same counts as rates over the flaps,
	// with their exact 95 % confidence intervals.
	LossRate  stats.Rate `json:"loss_rate"`
	StuckRate stats.Rate `json:"stuck_rate"`
	// ByDownBursts are the same rates by how the flaps' link-down
	// messages came (ByDownBursts): the kernel's path, which a rate over
	// all flaps mixes in the proportion the host gave.
	ByDownBursts []PathRate `json:"by_down_bursts,omitempty"`
	// Stuck counts the instances stuck after the last flap.
	Stuck    int       `json:"stuck"`
	Recovery Durations `json:"recovery"`
	// Recovered counts the instances MASTER again after the last flap
	// (Instances less Stuck); Recovery.Count counts recoveries over every
	// flap.
	Recovered int           `json:"recovered"`
	Instances int           `json:"instances"`
	Converged time.Duration `json:"converged_ns"`
	RunTime   time.Duration `json:"run_time_ns"`
}

// Recommendation is the buffer that would have held the largest storm.
type Recommendation struct {
	// Needed is the effective buffer (what the kernel grants, after
	// doubling) that holds the largest storm whole, with the margin.
	Needed int64 `json:"needed"`
	// Request is the value to configure: half of Needed, since the kernel
	// doubles it, rounded up to 4 KiB.
	Request int64   `json:"request"`
	Margin  float64 `json:"margin"`
	// Paste is where the daemon under test sets it and the lines that do.
	Paste target.Paste `json:"paste"`
	// Enough says the buffer under test was already at least Needed.
	Enough bool `json:"enough"`
}

// Verdict is the run's outcome in one line.
type Verdict struct {
	Status string `json:"status"` // StatusPass, StatusLoss or StatusFail
	Line   string `json:"line"`
}

// RouterCounters are one VRRP router's totals over the run: the router's
// own counters, one definition for both (package vrrp's).
type RouterCounters = vrrp.Counters
