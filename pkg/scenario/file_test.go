package scenario

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

func TestParse(t *testing.T) {
	f, err := Parse([]byte(`# the incident
name: keepalived-2519
vrids: 255
advert_int: 100ms
rcvbuf: 64K
routes_per_vrid: 2
on_overrun: resync
consumer_cost: 20us
gate:
  max_drops: 0
  recovery_p95_factor: 2
  recovery_p95_slack: 1s
sweep:
  vrids: [64, 255]
  rcvbuf_max: 4M
`))
	if err != nil {
		t.Fatal(err)
	}
	s := f.Scenario
	if s.Name != "keepalived-2519" || s.VRIDs != 255 || s.AdvertInterval != 100*time.Millisecond || s.RcvBuf != 64*bytesize.KiB ||
		s.RoutesPerVRID != 2 || s.OnOverrun != PolicyResync || s.ConsumerCost != 20*time.Microsecond || !s.Force || s.Flaps != 1 {
		t.Fatalf("scenario %+v", s)
	}
	if f.Gate.RecoveryFactor != 2 || f.Gate.RecoverySlack != time.Second || f.Gate.StormFactor != DefaultGate().StormFactor {
		t.Fatalf("gate %+v", f.Gate)
	}
	if len(f.Sweep.VRIDs) != 2 || f.Sweep.RcvBufMax != 4*bytesize.MiB || f.Sweep.Confirm != DefaultSweep().Confirm {
		t.Fatalf("sweep %+v", f.Sweep)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"unknown key, with the likely one", "vrids: 64\nvmacc: true\n", `2: unknown key "vmacc" (did you mean "vmac"?)`},
		{"unknown key", "vrids: 64\nfrobnicate: 3\n", `2: unknown key "frobnicate"`},
		{"wrong type", "vrids: 64\nvmac: maybe\n", `2: vmac: "maybe" is not true or false`},
		{"not a number", "vrids: many\n", `1: vrids: "many" is not a whole number`},
		{"bad size", "\nrcvbuf: 1Q\n", `2: rcvbuf: invalid size "1Q"`},
		{"negative size", "rcvbuf: -1\n", `1: rcvbuf: invalid size "-1": must be positive`},
		{"bad duration", "advert_int: soon\n", `1: advert_int: "soon" is not a duration`},
		{"impossible value", "name: x\nvrids: 70000\n", "2: vrids: 70000: want 1 to 4080"},
		{"bad policy", "on_overrun: retry\n", `1: on_overrun: unknown overrun policy "retry"`},
		{"a list where a value goes", "vrids: [1, 2]\n", "1: vrids: want a single value"},
		{"bad gate", "gate:\n  storm_factor: 0.5\n", "1: gate: thresholds"},
		{"unknown gate key", "gate:\n  max_dropz: 1\n", `2: unknown key "max_dropz"`},
		{"bad sweep", "sweep:\n  confirm: 0\n", "1: sweep: --confirm 0"},
		{"not a mapping", "- 1\n- 2\n", "1: a scenario file is a mapping of keys to values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "scenario.") {
				t.Fatalf("Parse = %v; want one line wrapping ErrInvalid with %q", err, tt.want)
			}
		})
	}
}

func TestLoadNamesFile(t *testing.T) {
	_, err := Load("testdata/does-not-exist.yaml")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "does-not-exist.yaml") {
		t.Fatalf("Load(missing) = %v", err)
	}
}

func TestOverride(t *testing.T) {
	file := Default()
	file.VRIDs, file.RcvBuf = 255, 64*bytesize.KiB
	flags := Default()
	flags.VRIDs, flags.RcvBuf = 64, bytesize.MiB
	Override(&file, flags, func(name string) bool { return name == "rcvbuf" })
	if file.VRIDs != 255 || file.RcvBuf != bytesize.MiB {
		t.Fatalf("after override: vrids %d rcvbuf %d; want the file's vrids and the flag's rcvbuf", file.VRIDs, file.RcvBuf)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("vrids: 64\nrcvbuf: 1M\n"))
	f.Add([]byte("gate:\n  max_drops: 3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse(b)
		if err == nil {
			if verr := file.Scenario.Validate(); verr != nil {
				t.Fatalf("Parse accepted an invalid scenario: %v", verr)
			}
		} else if !errors.Is(err, ErrInvalid) {
			t.Fatalf("error does not wrap ErrInvalid: %v", err)
		}
	})
}

// A command's scenario: the file, then the flags the user set, validated;
// an empty -f is an error, not the defaults.
func TestFromCommandLine(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/s.yaml"
	if err := os.WriteFile(path, []byte("vrids: 64\nrcvbuf: 1M\nsweep:\n  confirm: 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	flags, sweepFlags := Default(), DefaultSweep()
	flags.RcvBuf, sweepFlags.Confirm = 2*bytesize.MiB, 5
	changed := func(flag string) bool { return flag == "rcvbuf" }
	f, err := FromCommandLine(path, true, flags, sweepFlags, changed)
	if err != nil {
		t.Fatal(err)
	}
	if f.Scenario.VRIDs != 64 || f.Scenario.RcvBuf != 2*bytesize.MiB || f.Sweep.Confirm != 3 {
		t.Fatalf("scenario %+v sweep %+v: want the file's vrids and confirm, the flag's rcvbuf", f.Scenario, f.Sweep)
	}
	if _, err := FromCommandLine("", true, flags, sweepFlags, changed); !errors.Is(err, ErrInvalid) {
		t.Fatalf("empty -f: %v, want ErrInvalid", err)
	}
	flags.VRIDs = 0
	if _, err := FromCommandLine("", false, flags, sweepFlags, func(f string) bool { return f == "vrids" }); !errors.Is(err, ErrInvalid) {
		t.Fatalf("--vrids 0 without a file: %v, want ErrInvalid", err)
	}
}
