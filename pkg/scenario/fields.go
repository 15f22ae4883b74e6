package scenario

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"
)

// Field is one option of a scenario, defined once: its key in scenario
// files, its command-line flag, its help text and its values. Flags,
// files, Override and validation errors all work from Fields.
type Field struct {
	// Key is the YAML key ("advert_int"); Flag the flag without dashes
	// ("advert-int").
	Key, Flag string
	// Help is the flag's help: what it sets, its unit and its range.
	Help string
	// Run says the flag belongs to run (and gate files) only; sweep binds
	// its own --vrids and sets buffers and flaps itself.
	Run bool
	// Ptr returns the field inside s: *int, *bool, *string,
	// *time.Duration, or a type with its own parser (*bytesize.Size,
	// *Policy, *Target, *FlapMode, *DownUntil, *KeepalivedLog).
	Ptr func(s *Scenario) any
}

// Fields are every option a scenario file or a flag can set, in the order
// help lists them.
var Fields = []Field{
	{Key: "vrids", Flag: "vrids", Run: true, Help: fmt.Sprintf("number of VRRP instances, 1 to %d (255 per interface: eth2, eth3, ...)", MaxVRIDs),
		Ptr: func(s *Scenario) any { return &s.VRIDs }},
	{Key: "interfaces", Flag: "interfaces", Help: fmt.Sprintf("spread the VRIDs evenly over this many interfaces (eth2, eth3, ...), up to %d; unset: 255 VRIDs per interface", MaxInterfaces),
		Ptr: func(s *Scenario) any { return &s.Interfaces }},
	{Key: "rcvbuf", Flag: "rcvbuf", Run: true, Help: "monitor receive buffer to request, e.g. 212992, 64K, 1M, 4MiB, 1MB (the kernel doubles it); unset: the daemon's default (keepalived's 64K, plain SO_RCVBUF)",
		Ptr: func(s *Scenario) any { return &s.RcvBuf }},
	{Key: "force", Flag: "force", Run: true, Help: "set --rcvbuf with SO_RCVBUFFORCE, ignoring net.core.rmem_max (keepalived's _force); --force=false for plain SO_RCVBUF",
		Ptr: func(s *Scenario) any { return &s.Force }},
	{Key: "flaps", Flag: "flaps", Run: true, Help: fmt.Sprintf("how many times to take the subject's links down and up, 1 to %d", MaxFlaps),
		Ptr: func(s *Scenario) any { return &s.Flaps }},
	{Key: "vmac", Flag: "vmac", Help: "give each subject instance a VMAC macvlan (00:00:5e:00:01:<vrid>), as use_vmac does",
		Ptr: func(s *Scenario) any { return &s.VMAC }},
	{Key: "family", Flag: "family", Help: "VRRP address family: 4, or 6 (VRRPv3 from link-local addresses)",
		Ptr: func(s *Scenario) any { return &s.Family }},
	{Key: "vrrp_version", Flag: "vrrp-version", Help: "VRRP version: 2 (RFC 3768, whole-second adverts) or 3 (RFC 5798)",
		Ptr: func(s *Scenario) any { return &s.Version }},
	{Key: "advert_int", Flag: "advert-int", Help: "advertisement interval, e.g. 1s (keepalived's default) or 100ms for fast runs (v3)",
		Ptr: func(s *Scenario) any { return &s.AdvertInterval }},
	{Key: "vips_per_vrid", Flag: "vips-per-vrid", Help: fmt.Sprintf("virtual addresses per instance, 0 to %d", MaxVIPsPerVRID),
		Ptr: func(s *Scenario) any { return &s.VIPsPerVRID }},
	{Key: "routes_per_vrid", Flag: "routes-per-vrid", Help: fmt.Sprintf("virtual routes per instance, 0 to %d; any makes the monitor join the route and rule groups", MaxRoutesPerVRID),
		Ptr: func(s *Scenario) any { return &s.RoutesPerVRID }},
	{Key: "no_enobufs", Flag: "no-enobufs", Help: "set NETLINK_NO_ENOBUFS on the monitor: overruns are no longer reported, only counted by the kernel",
		Ptr: func(s *Scenario) any { return &s.NoENOBUFS }},
	{Key: "on_overrun", Flag: "on-overrun", Help: "what the monitor does after ENOBUFS: none (keepalived), resync (dump links and addresses), restart (reopen and dump)",
		Ptr: func(s *Scenario) any { return &s.OnOverrun }},
	{Key: "flap_mode", Flag: "flap-mode", Help: "how a flap takes the links down: admin (ip link set eth2 down on the subject) or carrier (the peer's end goes down: the subject keeps IFF_UP and loses carrier, as on a cable pull)",
		Ptr: func(s *Scenario) any { return &s.FlapMode }},
	{Key: "flap_pattern", Flag: "flap-pattern", Help: "how one flap changes the links: single (down, held, up), bounce:N/PERIOD (N down/up cycles PERIOD apart, ending up, e.g. bounce:5/200ms) stagger:GAP (interfaces one after another, GAP apart, down and then up), or with --target keepalived reload (SIGHUP) or restart (stop and start), measured like a flap",
		Ptr: func(s *Scenario) any { return &s.FlapPattern }},
	{Key: "flap_interfaces", Flag: "flap-interfaces", Help: "the interfaces a flap takes down: all, or a list such as eth2,eth4; only their instances are waited for and judged",
		Ptr: func(s *Scenario) any { return &s.FlapInterfaces }},
	{Key: "route_churn", Flag: "route-churn", Help: "background routes added and removed per second in the subject's namespace (a table of their own, on a link no flap touches), from a second before each flap until recovery, e.g. 5000 for BGP convergence; 0: none",
		Ptr: func(s *Scenario) any { return &s.RouteChurn }},
	{Key: "neigh_churn", Flag: "neigh-churn", Help: "background neighbour entries created and deleted per second, as an ARP or ND flood makes them; 0: none",
		Ptr: func(s *Scenario) any { return &s.NeighChurn }},
	{Key: "addr_churn", Flag: "addr-churn", Help: "background addresses added and removed per second, as DHCP or SLAAC make them; 0: none",
		Ptr: func(s *Scenario) any { return &s.AddrChurn }},
	{Key: "consumer_cost", Flag: "consumer-cost", Help: "processing time per netlink message (busy work), 0 to 1s, e.g. 20us, to model a slower daemon",
		Ptr: func(s *Scenario) any { return &s.ConsumerCost }},
	{Key: "transition_cost", Flag: "transition-cost", Help: "the built-in engine's processing time per state change (busy work in its event loop), 0 to 1s, e.g. 1ms for a daemon that runs a notify script at each transition; 0: the engine's own work only",
		Ptr: func(s *Scenario) any { return &s.TransitionCost }},
	{Key: "track_cost", Flag: "track-cost", Help: "the built-in engine's processing time per instance that tracks a link, when the link goes up or down (busy work in its event loop), 0 to 1ms: keepalived walks an interface's tracking list before it reads on",
		Ptr: func(s *Scenario) any { return &s.TrackCost }},
	{Key: "sample_interval", Flag: "sample-interval", Help: "how often the sampler reads the monitor's queue through sock_diag (peak queue), 0 to 1s; 0: off, to measure without it",
		Ptr: func(s *Scenario) any { return &s.SampleInterval }},
	{Key: "harness_procs", Flag: "harness-procs", Help: "how many CPUs nlstress's own work (sampler, oracle, observers, peer) may run on at once, 1 to 64; 0: as many as the host has (nlstress's threads then take CPU from the daemon while it drains its storm, and it strands fewer instances than alone)",
		Ptr: func(s *Scenario) any { return &s.HarnessProcs }},
	{Key: "down_for", Flag: "down-for", Help: "how long the link stays down, up to 10m; 0: as --down-until says",
		Ptr: func(s *Scenario) any { return &s.DownFor }},
	{Key: "down_until", Flag: "down-until", Help: "without --down-for, how long a flap holds the links down: takeover (every instance in FAULT and the peer MASTER; run's, compare's and gate's default) or fault (every instance in FAULT; sweep's default: the peer's takeover changes nothing the monitor sees); either way also until the kernel has sent the whole link-down storm",
		Ptr: func(s *Scenario) any { return &s.DownUntil }},
	{Key: "recovery_timeout", Flag: "recovery-timeout", Help: "hard limit on the wait for every instance to be MASTER again after link up, up to 30m; 0: 3 Master_Down_Intervals (for BIRD, 3 scan times where longer) + 5s, longer while instances are still recovering",
		Ptr: func(s *Scenario) any { return &s.RecoveryTimeout }},
	{Key: "target", Flag: "target", Help: "the router under test: builtin (nlstress's engine), keepalived (the real daemon from PATH), frr (zebra and vrrpd from /usr/lib/frr; --rcvbuf is zebra's --nl-bufsize) exec (--target-cmd) or bird (BIRD 2, judged by its own view of the links)",
		Ptr: func(s *Scenario) any { return &s.Target }},
	{Key: "target_cmd", Flag: "target-cmd", Help: "with --target exec: shell command that starts the VRRP daemon under test in the subject namespace (see cmd/nlstress/README.md)",
		Ptr: func(s *Scenario) any { return &s.TargetCmd }},
	{Key: "probe", Flag: "probe", Help: "with --target exec: shell command run in the subject namespace every 200 ms that prints the links the daemon believes up (one name per line, or a JSON array of names); the daemon need not speak VRRP: each VRID is a macvlan it follows, judged by what the probe says",
		Ptr: func(s *Scenario) any { return &s.Probe }},
	{Key: "keepalived_bin", Flag: "keepalived-bin", Help: "keepalived binary for --target keepalived (default: keepalived from PATH)",
		Ptr: func(s *Scenario) any { return &s.KeepalivedBin }},
	{Key: "keepalived_conf_extra", Flag: "keepalived-conf-extra", Help: "file of lines to add to keepalived's global_defs, for --target keepalived",
		Ptr: func(s *Scenario) any { return &s.KeepalivedConfExtra }},
	{Key: "keepalived_conf", Flag: "keepalived-conf", Help: "replay this keepalived.conf with --target keepalived: its interfaces, instances, VIPs, routes and VMACs make the lab (--vrids, --vmac, --family, --vrrp-version, --advert-int, --vips-per-vrid and --routes-per-vrid then come from the file); what the lab cannot run as written is listed",
		Ptr: func(s *Scenario) any { return &s.KeepalivedConf }},
	{Key: "config_id", Flag: "config-id", Help: "with --keepalived-conf: keepalived's --config-id, which selects the file's @ID lines (read) and @^ID lines (dropped); unset: the host's name up to its first dot, as keepalived does",
		Ptr: func(s *Scenario) any { return &s.ConfigID }},
	{Key: "interface_address", Flag: "interface-address", Help: "with --keepalived-conf: the subject's address on an interface, replacing the one inferred, e.g. eth2=10.0.0.1/16 (comma-separated for several)",
		Ptr: func(s *Scenario) any { return &s.InterfaceAddress }},
	{Key: "no_peer", Flag: "no-peer", Help: "run no peer router: the subject alone on its links, as in a flap by hand (no takeover measured, nothing heard on the wire)",
		Ptr: func(s *Scenario) any { return &s.NoPeer }},
	{Key: "no_exact_peak", Flag: "no-exact-peak", Help: "do not read the monitor's queue in the kernel at every message (an eBPF program on the sock:sk_data_ready tracepoint); the 2 ms sampled peak remains, and sweep --method peaks cannot run",
		Ptr: func(s *Scenario) any { return &s.NoExactPeak }},
	{Key: "host_load", Flag: "host-load", Help: "competing CPU work on every CPU the daemon may run on, 0 to 100 % of each (a busy loop stopped and continued every 10ms), from convergence to the end; its achieved share is measured and reported",
		Ptr: func(s *Scenario) any { return &s.HostLoad }},
	{Key: "notify_scripts", Flag: "notify-scripts", Help: "a notify script on every instance, as most production files have, started at each of its transitions (by generated keepalived, or by the built-in engine as keepalived would); it runs as nlstress's stand-in, which counts itself (a replayed file's own scripts always run as stand-ins)",
		Ptr: func(s *Scenario) any { return &s.NotifyScripts }},
	{Key: "script_cost", Flag: "script-cost", Help: "CPU time each stand-in script burns per run (a busy loop, not a sleep), 0 to 10s: what your notify and check scripts take",
		Ptr: func(s *Scenario) any { return &s.ScriptCost }},
	{Key: "script_exit", Flag: "script-exit", Help: "exit status of the stand-in for every vrrp_script check, 0 (success) to 255",
		Ptr: func(s *Scenario) any { return &s.ScriptExit }},
	{Key: "keepalived_global", Flag: "keepalived-global", Help: "keepalived.conf lines to add to global_defs, separated by ';' (e.g. 'vrrp_rt_priority 50; vrrp_rlimit_rttime 1000000'), for --target keepalived, generated or replayed",
		Ptr: func(s *Scenario) any { return &s.KeepalivedGlobal }},
	{Key: "keepalived_instance", Flag: "keepalived-instance", Help: "keepalived.conf lines to add to every vrrp_instance, separated by ';', for --target keepalived, generated or replayed",
		Ptr: func(s *Scenario) any { return &s.KeepalivedInstance }},
	{Key: "keepalived_log", Flag: "keepalived-log", Help: "keepalived's logging, for --target keepalived: syslog (as packaged; the lab has no syslog daemon) or console (--log-console --log-detail into the run directory, read for what keepalived believes of each link; slows keepalived and changes the stuck rate, see results/FINDINGS.md)",
		Ptr: func(s *Scenario) any { return &s.KeepalivedLog }},
	{Key: "bird_scan_time", Flag: "bird-scan-time", Help: fmt.Sprintf("for --target bird: the device protocol's scan time, whole seconds up to %v (BIRD's own default is 1m; unset: %v): how long a link whose message was lost stays wrong in BIRD's view at most; the run's waits outlast it", MaxBirdScanTime, DefaultBirdScanTime),
		Ptr: func(s *Scenario) any { return &s.BirdScanTime }},
	{Key: "keep_lab", Flag: "keep-lab", Run: true, Help: "leave the lab in place for inspection ('ip netns'); remove it with 'nlstress cleanup'",
		Ptr: func(s *Scenario) any { return &s.KeepLab }},
}

// FieldByKey finds a field by its YAML key.
func FieldByKey(key string) (Field, bool) {
	for _, f := range Fields {
		if f.Key == key {
			return f, true
		}
	}
	return Field{}, false
}

// FieldByFlag finds a field by its flag's name (without dashes).
func FieldByFlag(flag string) (Field, bool) {
	for _, f := range Fields {
		if f.Flag == flag {
			return f, true
		}
	}
	return Field{}, false
}

// Set parses text into the field of s, as a file or a flag gives it. The
// error says what was wrong with the value, without naming the field.
func (f Field) Set(s *Scenario, text string) error {
	switch p := f.Ptr(s).(type) {
	case *int:
		v, err := strconv.Atoi(text)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", text)
		}
		*p = v
	case *bool:
		v, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("%q is not true or false", text)
		}
		*p = v
	case *time.Duration:
		v, err := time.ParseDuration(text)
		if err != nil {
			return fmt.Errorf("%q is not a duration (want e.g. 100ms, 1s)", text)
		}
		*p = v
	case *string:
		*p = text
	case interface{ Set(string) error }: // sizes and the enums: their own parsers
		return p.Set(text)
	default:
		return fmt.Errorf("field %s: unsupported type %T", f.Key, p)
	}
	return nil
}

// copyTo copies the field from src into dst.
func (f Field) copyTo(dst, src *Scenario) {
	reflect.ValueOf(f.Ptr(dst)).Elem().Set(reflect.ValueOf(f.Ptr(src)).Elem())
}

// Override copies into dst the fields of src whose flags were given on the
// command line (changed reports that by flag name), so flags win over a
// scenario file.
func Override(dst *Scenario, src Scenario, changed func(flag string) bool) {
	for _, f := range Fields {
		if changed(f.Flag) {
			f.copyTo(dst, &src)
		}
	}
}

// Differ are the fields whose values differ between a and b, by key, in
// the order of Fields.
func Differ(a, b Scenario) []string {
	var out []string
	for _, f := range Fields {
		if !reflect.DeepEqual(reflect.ValueOf(f.Ptr(&a)).Elem().Interface(), reflect.ValueOf(f.Ptr(&b)).Elem().Interface()) {
			out = append(out, f.Key)
		}
	}
	return out
}

// FieldError is a validation error about one field's value: Validate's
// errors for one field are of this type. Its Error names the field as a
// flag ("--vrids 0: want 1 to 4080"); a scenario file names its key and
// line instead.
type FieldError struct {
	Field Field
	Value string // the value as given
	Msg   string // what is wrong, and what is wanted
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%v: --%s %s: %s", ErrInvalid, e.Field.Flag, e.Value, e.Msg)
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// fieldErr is a FieldError for the field with the given key.
func fieldErr(key, value, format string, args ...any) error {
	f, ok := FieldByKey(key)
	if !ok {
		panic("scenario: no field " + key)
	}
	return &FieldError{Field: f, Value: value, Msg: fmt.Sprintf(format, args...)}
}

// AsFieldError returns the FieldError inside err, if any.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}
