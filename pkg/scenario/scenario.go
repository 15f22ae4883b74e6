// Package scenario describes one stress run: how many VRRP instances, on
// what kind of lab, with which monitor buffer, consumer model and flaps. It
// validates and fills in defaults, and reads scenario files (Load); it
// never changes the system. Package stress runs it.
package scenario

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/churn"
	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/hostload"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/standin"
	"github.com/nlstress/nlstress/pkg/target"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// The lab's own limits: 255 VRIDs per interface on up to MaxInterfaces
// interfaces, and the size of its address plans for VIPs and routes.
const (
	MaxInterfaces = lab.MaxInterfaces
	MaxVRIDs      = lab.MaxInstances
	MaxVIPs       = lab.MaxVIPs
	MaxRoutes     = lab.MaxRoutes
)

// Limits on one run's per-instance objects and flaps.
const (
	MaxVIPsPerVRID   = 16
	MaxRoutesPerVRID = 8
	MaxFlaps         = 100
)

// ErrInvalid is wrapped by every validation error: bad input, exit code 2.
var ErrInvalid = errors.New("invalid scenario")

// KeepalivedDefaultRcvBuf is the monitor buffer keepalived asks for with
// no vrrp_netlink_monitor_rcv_bufs (target.KeepalivedDefaultRcvBuf).
const KeepalivedDefaultRcvBuf bytesize.Size = target.KeepalivedDefaultRcvBuf

// FRRDefaultNLBufSize is the netlink buffer zebra asks for without
// --nl-bufsize (target.FRRDefaultNLBufSize).
const FRRDefaultNLBufSize bytesize.Size = target.FRRDefaultNLBufSize

// DefaultSampleInterval is how often the sampler reads the monitor's
// queue unless told.
const DefaultSampleInterval = 2 * time.Millisecond

// DefaultHarnessProcs keeps nlstress's own work to one CPU while a
// daemon (or the engine's process) is under test. With Go's default (every CPU) the
// runtime's threads ran on the second core of a 2-core host exactly when
// keepalived should have drained a link-down storm: keepalived read
// nothing of it in 26 of 30 flaps (1 of 30 left instances stuck); with
// one, in 3 of 15 (5 of 15 stuck), as by hand
// (scripts/incident-by-hand.sh; results/FINDINGS.md).
const DefaultHarnessProcs = 1

// DefaultConsumerCost is the per-message processing time the subject's
// monitor spends by default: a model of a daemon that parses each message
// and writes a log line for it, as keepalived does for link changes.
// keepalived 2.2.7 spent 16 to 29 us per VMAC link message here (perf, its
// recvmsg calls); with 20 us (and the engine's own read, about 7 us) the
// engine's stuck rate in the seed incident lies inside keepalived's
// interval at 96K and at the default buffer (results/FINDINGS.md, "Stuck
// in FAULT is a rate"). It was 50 us until the engine's VMACs were made
// without IPv6, as keepalived's are.
const DefaultConsumerCost = 20 * time.Microsecond

// DefaultTransitionCost is the engine's busy work per state change by
// default: none beyond its own. With 25, 50 or 75 us the engine left
// instances in FAULT after about half the flaps of the seed incident where
// keepalived 2.2.7 did after a quarter (results/FINDINGS.md, "Stuck in
// FAULT is a rate"); the knob is for daemons whose transitions do more
// (a notify script is a fork and an exec).
const DefaultTransitionCost = 0

// DefaultTrackCost is the engine's busy work per tracking instance when a
// tracked link changes, by default. keepalived 2.2.7 walks the tracking
// list of an interface whose flags changed (process_if_status_change);
// with 255 VMAC instances on eth2 the walk at eth2's link-up held its
// reader for 0.5 to 0.75 ms of CPU (2.3 ms once in four) while linkwatch
// sent the first hundred VMACs' "up" (perf, results/FINDINGS.md), about
// 2 us per instance.
const DefaultTrackCost = 2 * time.Microsecond

// Scenario is the options of one run.
type Scenario struct {
	// Name labels the scenario in reports and baselines; "" for a run
	// from flags alone.
	Name string `json:"name,omitempty"`
	// VRIDs is the number of VRRP instances, 1..MaxVRIDs, spread
	// 255 per interface, or evenly over Interfaces.
	VRIDs int `json:"vrids"`
	// Interfaces spreads the VRIDs evenly over that many interfaces
	// (eth2, eth3, ...); 0 means 255 per interface.
	Interfaces int `json:"interfaces,omitempty"`
	// VMAC gives every subject instance its own macvlan, as use_vmac does.
	VMAC bool `json:"vmac"`
	// Family is the VRRP address family, 4 or 6.
	Family int `json:"family"`
	// Version is the VRRP version, 2 (RFC 3768) or 3 (RFC 5798).
	Version int `json:"vrrp_version"`
	// AdvertInterval is the instances' advertisement interval: whole
	// seconds for v2, 10ms steps for v3.
	AdvertInterval time.Duration `json:"advert_int_ns"`
	// VIPsPerVRID is the number of virtual addresses of each instance.
	VIPsPerVRID int `json:"vips_per_vrid"`
	// RoutesPerVRID is the number of virtual routes each instance installs
	// as master; with any, the monitor joins the route and rule groups, as
	// keepalived's does when it tracks virtual routes.
	RoutesPerVRID int `json:"routes_per_vrid"`
	// RcvBuf is the receive buffer the subject's monitor asks for, before
	// the kernel doubles it; 0 means the daemon's own default (keepalived's,
	// KeepalivedDefaultRcvBuf, for the built-in engine; no setting at all
	// for an outside daemon). See MonitorBuffer.
	RcvBuf bytesize.Size `json:"rcvbuf"`
	// Force sets RcvBuf with SO_RCVBUFFORCE, ignoring net.core.rmem_max,
	// as keepalived's vrrp_netlink_monitor_rcv_bufs_force does. It applies
	// to an RcvBuf that is set; a daemon's default is never forced.
	Force bool `json:"force"`
	// NoENOBUFS sets NETLINK_NO_ENOBUFS on the monitor: overruns are no
	// longer reported to it (the kernel still drops and counts).
	NoENOBUFS bool `json:"no_enobufs"`
	// OnOverrun is the monitor's overrun policy.
	OnOverrun Policy `json:"on_overrun"`
	// ConsumerCost is the monitor's processing time per message (busy
	// work, not sleep).
	ConsumerCost time.Duration `json:"consumer_cost_ns"`
	// TransitionCost is the engine's processing time per state change, in
	// its event loop (busy work): what a daemon's notify and logging cost.
	TransitionCost time.Duration `json:"transition_cost_ns"`
	// TrackCost is the engine's processing time per tracking instance
	// when a tracked link goes up or down (busy work): keepalived's walk
	// of the interface's tracking list.
	TrackCost time.Duration `json:"track_cost_ns"`
	// SampleInterval is how often the sampler reads the monitor's queue
	// (sock_diag) for its peak; 0 turns it off, so that its cost can be
	// told apart from the subject's (the observer effect).
	SampleInterval time.Duration `json:"sample_interval_ns"`
	// HarnessProcs is how many CPUs nlstress's own goroutines may run on
	// at once (GOMAXPROCS); 0 leaves Go's default (every CPU). The router
	// under test, the built-in engine included, is a process of its own
	// and is never limited.
	HarnessProcs int `json:"harness_procs"`
	// Flaps is how many times the subject's links go down and up.
	Flaps int `json:"flaps"`
	// FlapMode is how a flap takes the links down: FlapAdmin on the
	// subject, or FlapCarrier (the peer's end goes down).
	FlapMode FlapMode `json:"flap_mode"`
	// FlapPattern is how one flap changes the links: single, a bounce
	// or a stagger.
	FlapPattern flap.Pattern `json:"flap_pattern"`
	// FlapInterfaces are the interfaces a flap takes down, comma-separated;
	// "" or "all" means every interface of the lab. Only the instances on
	// them are waited for and judged.
	FlapInterfaces string `json:"flap_interfaces,omitempty"`
	// RouteChurn, NeighChurn and AddrChurn are background changes per
	// second (routes, neighbour entries, addresses) made in the subject's
	// namespace from a second before each flap until its instances have
	// recovered; 0: none.
	RouteChurn int `json:"route_churn,omitempty"`
	NeighChurn int `json:"neigh_churn,omitempty"`
	AddrChurn  int `json:"addr_churn,omitempty"`
	// DownFor is how long a link stays down; 0 means as DownUntil says.
	DownFor time.Duration `json:"down_for_ns"`
	// DownUntil is what a flap without DownFor holds its links down
	// for; "" is the command's own choice: DownUntilTakeover for run,
	// compare and gate, DownUntilFault for sweep.
	DownUntil DownUntil `json:"down_until,omitempty"`
	// RecoveryTimeout is how long to wait after link up for every subject
	// instance to be MASTER again, a hard limit; 0 means at least 3
	// Master_Down_Intervals + 5 s, and then as long as instances keep
	// recovering (stuck means nothing moved for 2 Master_Down_Intervals,
	// at least 5 s).
	RecoveryTimeout time.Duration `json:"recovery_timeout_ns"`
	// Target is the router under test: one of package target's (the
	// built-in engine unless set).
	Target Target `json:"target"`
	// TargetCmd is the shell command that starts the daemon under test for
	// the exec target, run with /bin/sh -c inside the subject namespace.
	TargetCmd string `json:"target_cmd,omitempty"`
	// Probe, with the exec target, is a shell command that prints the
	// links the daemon believes up: the daemon is then judged by it, not
	// by VRRP on the wire.
	Probe string `json:"probe,omitempty"`
	// KeepalivedBin is the keepalived binary for the keepalived target; empty
	// means keepalived from PATH.
	KeepalivedBin string `json:"keepalived_bin,omitempty"`
	// KeepalivedConfExtra is a file whose lines go into keepalived's
	// global_defs, for the keepalived target.
	KeepalivedConfExtra string `json:"keepalived_conf_extra,omitempty"`
	// KeepalivedConf is a user's keepalived.conf to replay with
	// the keepalived target; the instance fields are then derived from it.
	KeepalivedConf string `json:"keepalived_conf,omitempty"`
	// ConfigID is keepalived's --config-id for reading KeepalivedConf's
	// @ID and @^ID lines; empty means what keepalived does without it:
	// the host's name up to its first dot.
	ConfigID string `json:"config_id,omitempty"`
	// InterfaceAddress gives the subject's addresses for a replay:
	// "eth2=10.0.0.1/16,eth3=10.1.0.1/24".
	InterfaceAddress string `json:"interface_address,omitempty"`
	// NoPeer leaves the peer namespace without a router: the subject is
	// alone on its links, as in a flap by hand. No takeover is measured
	// then, and nothing is heard on the wire.
	NoPeer bool `json:"no_peer,omitempty"`
	// NoExactPeak turns off the reading of the monitor's queue in the
	// kernel at every message (package queuepeak): the sampled peak
	// remains. For measuring what the reading costs, and for hosts that
	// must not load an eBPF program.
	NoExactPeak bool `json:"no_exact_peak,omitempty"`
	// HostLoad is competing CPU work, percent of each CPU the daemon may
	// run on (package hostload), from convergence to the end of the run.
	HostLoad int `json:"host_load,omitempty"`
	// KeepalivedGlobal and KeepalivedInstance are keepalived.conf lines,
	// separated by ";", added to global_defs and to every vrrp_instance
	// (Lines splits them).
	KeepalivedGlobal   string `json:"keepalived_global,omitempty"`
	KeepalivedInstance string `json:"keepalived_instance,omitempty"`
	// NotifyScripts gives every generated keepalived instance a notify
	// script, run as a stand-in (package standin); the engine starts the
	// same stand-in at every state change. A replayed configuration's
	// scripts always run as stand-ins.
	NotifyScripts bool `json:"notify_scripts,omitempty"`
	// ScriptCost is the CPU time a stand-in script burns per run, and
	// ScriptExit a vrrp_script stand-in's exit status.
	ScriptCost time.Duration `json:"script_cost_ns,omitempty"`
	ScriptExit int           `json:"script_exit,omitempty"`
	// KeepalivedLog is where keepalived logs, for the keepalived target.
	KeepalivedLog KeepalivedLog `json:"keepalived_log,omitempty"`
	// BirdScanTime is BIRD's device protocol scan time, whole seconds;
	// 0 is nlstress's DefaultBirdScanTime.
	BirdScanTime time.Duration `json:"bird_scan_time_ns,omitempty"`
	// KeepLab leaves the lab in place after the run, for inspection.
	KeepLab bool `json:"keep_lab,omitempty"`
}

// FlapMode is how a flap takes links down.
type FlapMode string

// The flap modes.
const (
	// FlapAdmin sets the subject's interfaces administratively down
	// (ip link set eth2 down): IFF_UP clears, the kernel flushes the
	// interfaces' routes.
	FlapAdmin FlapMode = "admin"
	// FlapCarrier sets the peer's ends of the veths down: the subject's
	// interfaces stay up and lose carrier (IFF_RUNNING clears), as on a
	// cable pull or a switch reboot; addresses and routes stay.
	FlapCarrier FlapMode = "carrier"
)

// Set parses a flap mode; with String and Type it makes *FlapMode a
// pflag.Value.
func (m *FlapMode) Set(s string) error { return setOneOf(m, s, "flap mode", FlapAdmin, FlapCarrier) }

// String returns the mode's name.
func (m *FlapMode) String() string { return string(*m) }

// Type names the flag's value type in help output.
func (*FlapMode) Type() string { return "mode" }

// DownUntil is what a flap holds its links down for when no DownFor is
// given. Either way the hold also lasts until the kernel has finished
// taking the links down (no netlink message for linkwatch's second), so
// that a link-down storm is whole before the links come up.
type DownUntil string

// The holds.
const (
	// DownUntilTakeover holds until every flapped instance is in FAULT
	// and the peer is MASTER in its place (one of the peer's
	// Master_Down_Intervals, RFC 5798 §6.4.2).
	DownUntilTakeover DownUntil = "takeover"
	// DownUntilFault holds until every flapped instance is in FAULT. The
	// peer's takeover, which changes nothing in the subject's namespace,
	// is not waited for: the storms and the subject's recovery are the
	// same, the flap is shorter.
	DownUntilFault DownUntil = "fault"
)

// Set parses a hold; with String and Type it makes *DownUntil a
// pflag.Value.
func (d *DownUntil) Set(s string) error {
	return setOneOf(d, s, "down-until", DownUntilTakeover, DownUntilFault)
}

// String returns the hold's name.
func (d *DownUntil) String() string { return string(*d) }

// Type names the flag's value type in help output.
func (*DownUntil) Type() string { return "hold" }

// Or is d, or def when d is the command's own choice ("").
func (d DownUntil) Or(def DownUntil) DownUntil {
	if d == "" {
		return def
	}
	return d
}

// KeepalivedLog is where keepalived's own log goes when it is the target.
type KeepalivedLog string

// The keepalived logging modes.
const (
	// LogSyslog runs keepalived as packaged: it logs through syslog(3),
	// which in a lab with no syslog daemon costs it next to nothing.
	LogSyslog KeepalivedLog = "syslog"
	// LogConsole adds --log-console --log-detail --no-syslog, the log
	// written to the run directory: nlstress then reads from it what
	// keepalived believes of each link ("Netlink reports vrrp.7 down").
	// The writes slow keepalived's event loop and change the race that
	// strands instances in FAULT (measured: stuck after 3 of 12 flaps,
	// against 17 of 20 as packaged).
	LogConsole KeepalivedLog = "console"
)

// Set parses a logging mode; with String and Type it makes
// *KeepalivedLog a pflag.Value.
func (m *KeepalivedLog) Set(s string) error {
	return setOneOf(m, s, "keepalived log mode", LogSyslog, LogConsole)
}

// setOneOf sets *p to s if s is one of valid, and otherwise says what
// would have been.
func setOneOf[T ~string](p *T, s, what string, valid ...T) error {
	names := make([]string, len(valid))
	for i, v := range valid {
		if T(s) == v {
			*p = v
			return nil
		}
		names[i] = string(v)
	}
	return fmt.Errorf("unknown %s %q: want %s", what, s, strings.Join(names, " or "))
}

// String returns the mode's name.
func (m *KeepalivedLog) String() string { return string(*m) }

// Type names the flag's value type in help output.
func (*KeepalivedLog) Type() string { return "mode" }

// Default is the scenario that "nlstress run" runs with no flags: the
// incident's 255 VRIDs on eth2, with keepalived's default buffer and
// overrun behaviour, one VIP per instance, 1 s adverts, one flap.
func Default() Scenario {
	return Scenario{
		VRIDs: 255, Family: 4, Version: 3, AdvertInterval: time.Second, VIPsPerVRID: 1,
		Force: true, OnOverrun: PolicyNone, Flaps: 1, FlapMode: FlapAdmin, FlapPattern: flap.Pattern{Kind: flap.Single}, KeepalivedLog: LogSyslog,
		ConsumerCost: DefaultConsumerCost, TransitionCost: DefaultTransitionCost, TrackCost: DefaultTrackCost, SampleInterval: DefaultSampleInterval, HarnessProcs: DefaultHarnessProcs, Target: DefaultTarget,
	}
}

// ChurnRate is the background churn asked for of a kind, changes per
// second (0: none).
func (s Scenario) ChurnRate(k churn.Kind) int {
	switch k {
	case churn.Route:
		return s.RouteChurn
	case churn.Neigh:
		return s.NeighChurn
	case churn.Addr:
		return s.AddrChurn
	}
	return 0
}

// Churns says any background churn is asked for.
func (s Scenario) Churns() bool { return s.RouteChurn+s.NeighChurn+s.AddrChurn > 0 }

// MonitorBuffer is the buffer the subject's monitor asks for: RcvBuf and
// Force, or with RcvBuf unset the target's default (dflt true): for the
// built-in engine keepalived's (plain SO_RCVBUF, whatever Force says), for
// keepalived itself no setting at all, zebra's for FRR. A target that
// forces its buffer (zebra) forces any.
func (s Scenario) MonitorBuffer() (size bytesize.Size, force, dflt bool) {
	t := target.Of(s.Target)
	if s.RcvBuf == 0 {
		return t.DefaultBuffer, t.Forced, true
	}
	return s.RcvBuf, s.Force || t.Forced, false
}

// Outside says the router under test is a daemon nlstress starts and
// watches from outside (keepalived, FRR, an exec target), not its own
// engine.
func (s Scenario) Outside() bool { return target.Of(s.Target).Outside }

// MasterDownInterval is RFC 5798 §6.1's Master_Down_Interval for an
// instance of the given priority in this scenario.
func (s Scenario) MasterDownInterval(priority uint8) time.Duration {
	return vrrp.MasterDownInterval(s.Version, priority, s.AdvertInterval)
}

// PeerPriority is the priority of the lab's peer router, below the
// subject's, so that the subject preempts it back after a flap.
const PeerPriority = 100

// Recovery is the effective recovery timeout: the user's, or three
// Settle times (for VRRP the peer's Master_Down_Interval, RFC 5798 §6.1:
// the longest a recovered subject's first advert can take to matter) and
// 5 s for a loaded host.
func (s Scenario) Recovery() time.Duration {
	if s.RecoveryTimeout > 0 {
		return s.RecoveryTimeout
	}
	return 3*s.Settle() + 5*time.Second
}

// DefaultBirdScanTime is the device protocol's scan time nlstress writes
// into BIRD's configuration unless told: short, so that a run waits for a
// resync seconds, not BIRD's own minute. MaxBirdScanTime bounds
// --bird-scan-time.
const (
	DefaultBirdScanTime = 5 * time.Second
	MaxBirdScanTime     = 10 * time.Minute
)

// Rescan is how often the daemon under test reads every link again (BIRD's
// scan time), 0 for a daemon that does not.
func (s Scenario) Rescan() time.Duration {
	if !target.Of(s.Target).Rescans {
		return 0
	}
	if s.BirdScanTime > 0 {
		return s.BirdScanTime
	}
	return DefaultBirdScanTime
}

// Settle is the longest the subject may take to reach the state a link
// change should put it in without anything going wrong: a VRRP instance's
// Master_Down_Interval against the peer, or a rescanning daemon's scan
// time, which corrects a lost message, where that is longer. The run's
// waits for convergence, FAULT and recovery are in Settle times.
func (s Scenario) Settle() time.Duration {
	return max(s.MasterDownInterval(PeerPriority), s.Rescan())
}

// minInterfaces is the fewest interfaces that hold s.VRIDs instances.
func (s Scenario) minInterfaces() int {
	return (s.VRIDs + lab.InstancesPerInterface - 1) / lab.InstancesPerInterface
}

// Validate reports the first impossible value as a one-line error wrapping
// ErrInvalid. An error about one field's value is a *FieldError, which
// names the field as a flag here and as a key in a scenario file.
func (s Scenario) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
	itoa := strconv.Itoa
	switch {
	case s.VRIDs < 1 || s.VRIDs > MaxVRIDs:
		return fieldErr("vrids", itoa(s.VRIDs), "want 1 to %d (255 per interface, up to %d interfaces)", MaxVRIDs, MaxInterfaces)
	case s.Family != 4 && s.Family != 6:
		return fieldErr("family", itoa(s.Family), "want 4 or 6")
	case s.Version != 2 && s.Version != 3:
		return fieldErr("vrrp_version", itoa(s.Version), "want 2 or 3")
	case s.Version == 2 && s.Family == 6:
		return bad("--vrrp-version 2 --family 6: VRRPv2 is IPv4 only (RFC 3768); use --vrrp-version 3")
	case vrrp.CheckAdvertisementInterval(s.Version, s.AdvertInterval) != nil:
		hint := ""
		if s.Version == 2 {
			hint = " (use --vrrp-version 3 for less)"
		}
		return fieldErr("advert_int", s.AdvertInterval.String(), "%v%s", vrrp.CheckAdvertisementInterval(s.Version, s.AdvertInterval), hint)
	case s.VIPsPerVRID < 0 || s.VIPsPerVRID > MaxVIPsPerVRID:
		return fieldErr("vips_per_vrid", itoa(s.VIPsPerVRID), "want 0 to %d", MaxVIPsPerVRID)
	case s.VIPsPerVRID*s.VRIDs > MaxVIPs:
		return fieldErr("vips_per_vrid", itoa(s.VIPsPerVRID), "with %d VRIDs that is %d addresses, the lab has %d", s.VRIDs, s.VIPsPerVRID*s.VRIDs, MaxVIPs)
	case s.RoutesPerVRID < 0 || s.RoutesPerVRID > MaxRoutesPerVRID:
		return fieldErr("routes_per_vrid", itoa(s.RoutesPerVRID), "want 0 to %d", MaxRoutesPerVRID)
	case s.RoutesPerVRID*s.VRIDs > MaxRoutes:
		return fieldErr("routes_per_vrid", itoa(s.RoutesPerVRID), "with %d VRIDs that is %d routes, the lab has %d", s.VRIDs, s.RoutesPerVRID*s.VRIDs, MaxRoutes)
	case s.RcvBuf < 0 || s.RcvBuf > bytesize.Max:
		return fieldErr("rcvbuf", strconv.FormatInt(int64(s.RcvBuf), 10), "want 1 to %d bytes", int64(bytesize.Max))
	case s.OnOverrun != PolicyNone && s.OnOverrun != PolicyResync && s.OnOverrun != PolicyRestart:
		return fieldErr("on_overrun", strconv.Quote(string(s.OnOverrun)), "want none, resync or restart")
	case s.ConsumerCost < 0 || s.ConsumerCost > time.Second:
		return fieldErr("consumer_cost", s.ConsumerCost.String(), "want 0 to 1s per message")
	case s.TransitionCost < 0 || s.TransitionCost > time.Second:
		return fieldErr("transition_cost", s.TransitionCost.String(), "want 0 to 1s per state change")
	case s.TrackCost < 0 || s.TrackCost > time.Millisecond:
		return fieldErr("track_cost", s.TrackCost.String(), "want 0 to 1ms per tracking instance")
	case s.SampleInterval < 0 || s.SampleInterval > time.Second:
		return fieldErr("sample_interval", s.SampleInterval.String(), "want 0 (off) to 1s")
	case s.HarnessProcs < 0 || s.HarnessProcs > 64:
		return fieldErr("harness_procs", itoa(s.HarnessProcs), "want 0 (every CPU) to 64")
	case s.FlapMode != FlapAdmin && s.FlapMode != FlapCarrier:
		return fieldErr("flap_mode", strconv.Quote(string(s.FlapMode)), "want admin or carrier")
	case s.Interfaces != 0 && (s.Interfaces < s.minInterfaces() || s.Interfaces > min(MaxInterfaces, s.VRIDs)):
		return fieldErr("interfaces", itoa(s.Interfaces), "with %d VRIDs want %d to %d (at most %d VRIDs on one interface, at least one)",
			s.VRIDs, s.minInterfaces(), min(MaxInterfaces, s.VRIDs), lab.InstancesPerInterface)
	case s.FlapPattern.Validate() != nil:
		return fieldErr("flap_pattern", s.FlapPattern.String(), "%v", s.FlapPattern.Validate())
	case s.FlapPattern.Daemon() && s.FlapInterfaces != "" && s.FlapInterfaces != "all":
		return fieldErr("flap_pattern", s.FlapPattern.String(), "a reload or restart takes no link down: --flap-interfaces does not apply")
	case s.RouteChurn < 0 || s.RouteChurn > churn.MaxRate:
		return fieldErr("route_churn", itoa(s.RouteChurn), "want 0 (none) to %d changes per second", churn.MaxRate)
	case s.NeighChurn < 0 || s.NeighChurn > churn.MaxRate:
		return fieldErr("neigh_churn", itoa(s.NeighChurn), "want 0 (none) to %d changes per second", churn.MaxRate)
	case s.AddrChurn < 0 || s.AddrChurn > churn.MaxRate:
		return fieldErr("addr_churn", itoa(s.AddrChurn), "want 0 (none) to %d changes per second", churn.MaxRate)
	case s.KeepalivedLog != LogSyslog && s.KeepalivedLog != LogConsole:
		return fieldErr("keepalived_log", strconv.Quote(string(s.KeepalivedLog)), "want syslog or console")
	case s.Flaps < 1 || s.Flaps > MaxFlaps:
		return fieldErr("flaps", itoa(s.Flaps), "want 1 to %d", MaxFlaps)
	case s.DownFor < 0 || s.DownFor > 10*time.Minute:
		return fieldErr("down_for", s.DownFor.String(), "want 0 (as --down-until says) to 10m")
	case s.DownUntil != "" && s.DownUntil != DownUntilTakeover && s.DownUntil != DownUntilFault:
		return fieldErr("down_until", strconv.Quote(string(s.DownUntil)), "want takeover or fault")
	case s.DownUntil != "" && s.DownFor > 0:
		return bad("--down-until says what a flap waits for when --down-for is not given: give one of them")
	case s.KeepalivedConf != "" && s.KeepalivedConfExtra != "":
		return bad("--keepalived-conf-extra adds to the configuration nlstress writes; with --keepalived-conf, put the lines in that file")
	case s.Interfaces != 0 && s.KeepalivedConf != "":
		return bad("--interfaces lays out a generated lab; a replayed configuration names its own interfaces")
	case s.ConfigID != "" && s.KeepalivedConf == "":
		return bad("--config-id selects the @ID lines of a replayed configuration: it needs --keepalived-conf")
	case strings.ContainsAny(s.ConfigID, " \t"):
		return fieldErr("config_id", strconv.Quote(s.ConfigID), "an id is one word, as keepalived's @ID lines write it")
	case s.InterfaceAddress != "" && s.KeepalivedConf == "":
		return bad("--interface-address places the addresses of a replayed configuration: it needs --keepalived-conf")
	case hostload.Validate(s.HostLoad) != nil:
		return fieldErr("host_load", itoa(s.HostLoad), "want 0 (none) to 100 %% of each CPU")
	case s.ScriptCost < 0 || s.ScriptCost > standin.MaxCost:
		return fieldErr("script_cost", s.ScriptCost.String(), "want 0 to %v of CPU per run", standin.MaxCost)
	case s.BirdScanTime < 0 || s.BirdScanTime > MaxBirdScanTime || s.BirdScanTime%time.Second != 0:
		return fieldErr("bird_scan_time", s.BirdScanTime.String(), "want whole seconds, 1s to %v", MaxBirdScanTime)
	case s.ScriptExit < 0 || s.ScriptExit > 255:
		return fieldErr("script_exit", itoa(s.ScriptExit), "want 0 to 255")
	case s.RecoveryTimeout < 0 || s.RecoveryTimeout > 30*time.Minute:
		return fieldErr("recovery_timeout", s.RecoveryTimeout.String(), "want 0 (automatic) to 30m")
	case 2*s.StormBound() > OracleMaxRcvBuf:
		return bad("a storm of up to %d bytes per link transition is more than the oracle can count (%d): use fewer --vrids, --vips-per-vrid or --routes-per-vrid", s.StormBound(), OracleMaxRcvBuf/2)
	}
	return s.validateTarget()
}

// validateTarget checks what the scenario's target asks of it, from the
// target's traits.
func (s Scenario) validateTarget() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
	}
	t, ok := target.Lookup(s.Target)
	all := func(target.Traits) bool { return true }
	switch {
	case !ok:
		return fieldErr("target", strconv.Quote(string(s.Target)), "want %s", target.Either(target.Where(all)))
	case s.FlapPattern.Daemon() && !t.Keepalived:
		return fieldErr("flap_pattern", s.FlapPattern.String(), "reload and restart are events of an outside daemon: they need --target %s",
			target.Either(target.Where(func(t target.Traits) bool { return t.Keepalived })))
	case s.Probe != "" && !t.Command:
		return bad("--probe goes with --target %s: it says what an exec target's daemon believes",
			target.Either(target.Where(func(t target.Traits) bool { return t.Command })))
	case s.NoPeer && s.OnTheWire():
		return fieldErr("no_peer", "true", "an %s target is watched through the peer's ears: it needs the peer", s.Target)
	case t.NeedsVIPs != "" && s.VIPsPerVRID == 0:
		return fieldErr("vips_per_vrid", "0", "%s", t.NeedsVIPs)
	case t.Command != (s.TargetCmd != ""):
		return bad("--target %s and --target-cmd go together: only %[1]s runs a command, and it needs one",
			target.Either(target.Where(func(t target.Traits) bool { return t.Command })))
	case t.Outside && (s.OnOverrun != PolicyNone || s.NoENOBUFS):
		return bad("--target %s: --on-overrun and --no-enobufs model the built-in engine; the daemon's own behaviour is what is measured", s.Target)
	case !t.Keepalived && (s.KeepalivedBin != "" || s.KeepalivedConfExtra != "" || s.KeepalivedConf != ""):
		return bad("--keepalived-bin, --keepalived-conf and --keepalived-conf-extra need --target %s",
			target.Either(target.Where(func(t target.Traits) bool { return t.Keepalived })))
	case !t.Keepalived && (s.KeepalivedGlobal != "" || s.KeepalivedInstance != ""):
		return bad("--keepalived-global and --keepalived-instance need --target %s",
			target.Either(target.Where(func(t target.Traits) bool { return t.Keepalived })))
	case !t.Notifies && s.NotifyScripts:
		return bad("--notify-scripts needs --target %s", target.Either(target.Where(func(t target.Traits) bool { return t.Notifies })))
	case !t.Keepalived && s.ScriptExit != 0:
		return bad("--script-exit needs --target %s: it is how a vrrp_script check's stand-in exits, and only keepalived runs checks",
			target.Either(target.Where(func(t target.Traits) bool { return t.Keepalived })))
	case !t.Keepalived && s.ScriptCost != 0 && !(t.Notifies && s.NotifyScripts):
		return bad("--script-cost sets what a stand-in script burns: it needs --target %s, or --notify-scripts with --target %s",
			target.Either(target.Where(func(t target.Traits) bool { return t.Keepalived })),
			target.Either(target.Where(func(t target.Traits) bool { return t.Notifies && !t.Keepalived })))
	case !t.Rescans && s.BirdScanTime != 0:
		return bad("--bird-scan-time needs --target %s", target.Either(target.Where(func(t target.Traits) bool { return t.Rescans })))
	case s.NotifyScripts && s.KeepalivedConf != "":
		return bad("--notify-scripts adds scripts to a generated configuration; a replayed one runs its own scripts as stand-ins")
	}
	return nil
}

// Lines splits keepalived.conf lines given as one string, separated by
// ";", and drops the empty ones.
func Lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, ";") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// OnTheWire says the subject is watched through the peer's ears: its
// target's trait, unless a probe says what the daemon believes instead.
func (s Scenario) OnTheWire() bool { return target.Of(s.Target).Wire && s.Probe == "" }

// ByBelief says the subject is judged by the daemon's own view of its
// links, not by VRRP: a target that speaks no VRRP, or an exec target
// with a probe. Each VRID is then a macvlan the daemon follows.
func (s Scenario) ByBelief() bool { return target.Of(s.Target).NoVRRP != "" || s.Probe != "" }

// Peerless says the lab's peer runs no router: --no-peer, or a subject
// judged by its belief.
func (s Scenario) Peerless() bool { return s.NoPeer || s.ByBelief() }
