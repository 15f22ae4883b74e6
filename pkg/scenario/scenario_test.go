package scenario

import (
	"errors"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/flap"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

func TestValidate(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Fatalf("Default() is invalid: %v", err)
	}
	tests := map[string]func(*Scenario){
		"zero vrids":                  func(s *Scenario) { s.VRIDs = 0 },
		"70000 vrids":                 func(s *Scenario) { s.VRIDs = 70000 },
		"negative vrids":              func(s *Scenario) { s.VRIDs = -3 },
		"family 5":                    func(s *Scenario) { s.Family = 5 },
		"negative rcvbuf":             func(s *Scenario) { s.RcvBuf = -5 },
		"version 4":                   func(s *Scenario) { s.Version = 4 },
		"v2 over IPv6":                func(s *Scenario) { s.Version = 2; s.Family = 6 },
		"v2 at 100ms":                 func(s *Scenario) { s.Version = 2; s.AdvertInterval = 100 * time.Millisecond },
		"v3 at 5ms":                   func(s *Scenario) { s.AdvertInterval = 5 * time.Millisecond },
		"v3 at 15ms":                  func(s *Scenario) { s.AdvertInterval = 15 * time.Millisecond },
		"17 VIPs":                     func(s *Scenario) { s.VIPsPerVRID = 17 },
		"VIP plan full":               func(s *Scenario) { s.VRIDs = 4080; s.VIPsPerVRID = 16 },
		"9 routes":                    func(s *Scenario) { s.RoutesPerVRID = 9 },
		"bad policy":                  func(s *Scenario) { s.OnOverrun = "retry" },
		"negative cost":               func(s *Scenario) { s.ConsumerCost = -1 },
		"zero flaps":                  func(s *Scenario) { s.Flaps = 0 },
		"negative harness procs":      func(s *Scenario) { s.HarnessProcs = -1 },
		"65 harness procs":            func(s *Scenario) { s.HarnessProcs = 65 },
		"negative down":               func(s *Scenario) { s.DownFor = -time.Second },
		"more interfaces than VRIDs":  func(s *Scenario) { s.VRIDs, s.Interfaces = 3, 4 },
		"300 VRIDs on one":            func(s *Scenario) { s.VRIDs, s.Interfaces = 300, 1 },
		"17 interfaces":               func(s *Scenario) { s.Interfaces = 17 },
		"interfaces of a replay":      func(s *Scenario) { s.Target, s.KeepalivedConf, s.Interfaces = TargetKeepalived, "k.conf", 2 },
		"bounce of one cycle":         func(s *Scenario) { s.FlapPattern = flap.Pattern{Kind: flap.Bounce, Cycles: 1, Period: time.Second} },
		"unknown pattern":             func(s *Scenario) { s.FlapPattern = flap.Pattern{Kind: "flicker"} },
		"reload of the engine":        func(s *Scenario) { s.FlapPattern = flap.Pattern{Kind: flap.Reload} },
		"frr without the peer":        func(s *Scenario) { s.Target, s.NoPeer = TargetFRR, true },
		"frr without addresses":       func(s *Scenario) { s.Target, s.VIPsPerVRID = TargetFRR, 0 },
		"frr with a policy":           func(s *Scenario) { s.Target, s.OnOverrun = TargetFRR, PolicyResync },
		"restart of frr":              func(s *Scenario) { s.Target, s.FlapPattern = TargetFRR, flap.Pattern{Kind: flap.Restart} },
		"unknown target":              func(s *Scenario) { s.Target = "quagga" },
		"notify scripts on frr":       func(s *Scenario) { s.Target, s.NotifyScripts = TargetFRR, true },
		"script cost without scripts": func(s *Scenario) { s.ScriptCost = time.Millisecond },
		"check exit on the engine":    func(s *Scenario) { s.NotifyScripts, s.ScriptExit = true, 1 },
		"scan time of keepalived":     func(s *Scenario) { s.Target, s.BirdScanTime = TargetKeepalived, 10*time.Second },
		"scan time of 1.5s":           func(s *Scenario) { s.Target, s.BirdScanTime = TargetBIRD, 1500*time.Millisecond },
		"scan time of an hour":        func(s *Scenario) { s.Target, s.BirdScanTime = TargetBIRD, time.Hour },
		"restart on one interface": func(s *Scenario) {
			s.Target, s.FlapPattern, s.FlapInterfaces = TargetKeepalived, flap.Pattern{Kind: flap.Restart}, "eth2"
		},
	}
	notifying := Default()
	notifying.NotifyScripts, notifying.ScriptCost = true, time.Millisecond
	if err := notifying.Validate(); err != nil {
		t.Errorf("notify scripts that cost 1ms on the engine: %v", err)
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			s := Default()
			mutate(&s)
			if err := s.Validate(); !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate() = %v, want ErrInvalid", err)
			}
		})
	}
}

// A rescanning daemon's waits are in scan times where those are longer
// than VRRP's: BIRD at nlstress's 5 s scan, or the user's minute.
func TestSettle(t *testing.T) {
	s := Default()
	s.AdvertInterval = 100 * time.Millisecond
	vrrpOnly := s.MasterDownInterval(PeerPriority)
	if s.Settle() != vrrpOnly || s.Rescan() != 0 {
		t.Fatalf("the engine settles in %v, rescans every %v: want its Master_Down_Interval %v and none", s.Settle(), s.Rescan(), vrrpOnly)
	}
	s.Target = TargetBIRD
	if s.Rescan() != DefaultBirdScanTime || s.Settle() != DefaultBirdScanTime || s.Recovery() != 3*DefaultBirdScanTime+5*time.Second {
		t.Fatalf("BIRD rescans every %v, settles in %v, recovers within %v", s.Rescan(), s.Settle(), s.Recovery())
	}
	s.BirdScanTime = time.Minute
	if err := s.Validate(); err != nil || s.Settle() != time.Minute {
		t.Fatalf("BIRD at a 1m scan: %v, settles in %v", err, s.Settle())
	}
}

func TestMasterDownInterval(t *testing.T) {
	s := Default()
	s.AdvertInterval = 100 * time.Millisecond
	// RFC 5798 §6.1: 3 * 100ms + (256-200) * 100ms / 256.
	if got, want := s.MasterDownInterval(200), 300*time.Millisecond+21875*time.Microsecond; got != want {
		t.Fatalf("v3 priority 200 at 100ms: %v, want %v", got, want)
	}
	s.Version, s.AdvertInterval = 2, time.Second
	// RFC 3768 §6.1: Skew_Time is (256-Priority)/256 seconds.
	if got, want := s.MasterDownInterval(100), 3*time.Second+609375*time.Microsecond; got != want {
		t.Fatalf("v2 priority 100 at 1s: %v, want %v", got, want)
	}
}

// The largest scenario validation accepts has a storm bound that the
// oracle, sized from the scenario, can hold twice over: no valid scenario
// can make the oracle drop silently.
func TestEveryValidScenarioFitsTheOracle(t *testing.T) {
	sc := Default()
	sc.VRIDs, sc.VMAC, sc.VIPsPerVRID, sc.RoutesPerVRID = MaxVRIDs, true, MaxVIPsPerVRID, MaxRoutesPerVRID
	for sc.VIPsPerVRID*sc.VRIDs > MaxVIPs {
		sc.VIPsPerVRID--
	}
	for sc.RoutesPerVRID*sc.VRIDs > MaxRoutes {
		sc.RoutesPerVRID--
	}
	if err := sc.Validate(); err != nil {
		t.Fatalf("largest scenario refused: %v", err)
	}
	if got, need := int64(sc.OracleRcvBuf())*2, 2*sc.StormBound(); got < need {
		t.Fatalf("oracle buffer %d for a storm bound of %d per transition: want at least %d", got, sc.StormBound(), need)
	}
	if small := Default(); small.OracleRcvBuf() != 32<<20 {
		t.Fatalf("default scenario's oracle request %d, want the 32 MiB floor", small.OracleRcvBuf())
	}
	t.Logf("largest valid scenario: %d VRIDs x %d VIPs x %d routes: storm bound %d B, oracle request %d B",
		sc.VRIDs, sc.VIPsPerVRID, sc.RoutesPerVRID, sc.StormBound(), sc.OracleRcvBuf())
}

// An unset rcvbuf is the daemon's own default: keepalived's 64 KiB with
// plain SO_RCVBUF, never forced; a set one keeps its force.
func TestMonitorBuffer(t *testing.T) {
	for _, tt := range []struct {
		name      string
		target    Target
		rcvbuf    bytesize.Size
		force     bool
		wantSize  bytesize.Size
		wantForce bool
		wantDflt  bool
	}{
		{"unset: keepalived's default, unforced", TargetBuiltin, 0, true, KeepalivedDefaultRcvBuf, false, true},
		{"set and forced", TargetBuiltin, bytesize.MiB, true, bytesize.MiB, true, false},
		{"set, plain", TargetKeepalived, bytesize.MiB, false, bytesize.MiB, false, false},
		{"zebra unset: its default, forced", TargetFRR, 0, false, FRRDefaultNLBufSize, true, true},
		{"zebra set: always forced", TargetFRR, bytesize.MiB, false, bytesize.MiB, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := Default()
			s.Target, s.RcvBuf, s.Force = tt.target, tt.rcvbuf, tt.force
			size, force, dflt := s.MonitorBuffer()
			if size != tt.wantSize || force != tt.wantForce || dflt != tt.wantDflt {
				t.Fatalf("MonitorBuffer() = %d, %v, %v; want %d, %v, %v", size, force, dflt, tt.wantSize, tt.wantForce, tt.wantDflt)
			}
		})
	}
}
