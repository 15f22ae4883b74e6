package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

// File is a scenario file: one run's options, and optionally the gate's
// thresholds and a sweep's matrix.
type File struct {
	Path     string
	Scenario Scenario
	Gate     Gate
	Sweep    Sweep
}

// Gate are the thresholds "nlstress gate" holds a run to, against its
// baseline.
type Gate struct {
	// MaxDrops is the most kernel drops allowed over the run.
	MaxDrops uint64 `json:"max_drops"`
	// MaxStuck is the most instances allowed stuck after a flap.
	MaxStuck int `json:"max_stuck"`
	// RecoveryFactor and RecoverySlack bound recovery p95:
	// at most baseline × factor + slack.
	RecoveryFactor float64       `json:"recovery_p95_factor"`
	RecoverySlack  time.Duration `json:"recovery_p95_slack_ns"`
	// StormFactor bounds the largest storm's truesize: at most
	// baseline × factor.
	StormFactor float64 `json:"storm_factor"`
}

// DefaultGate is what a scenario file without a gate section gets.
func DefaultGate() Gate {
	return Gate{RecoveryFactor: 1.5, RecoverySlack: 500 * time.Millisecond, StormFactor: 1.25}
}

// Sweep is a capacity sweep's matrix.
type Sweep struct {
	VRIDs     []int         `json:"vrids"`
	RcvBufMin bytesize.Size `json:"rcvbuf_min"`
	RcvBufMax bytesize.Size `json:"rcvbuf_max"`
	Repeat    int           `json:"repeat"`
	Margin    float64       `json:"margin"`
}

// DefaultSweep is what a sweep without a sweep section gets.
func DefaultSweep() Sweep {
	return Sweep{VRIDs: []int{64, 128, 255}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 16 * bytesize.MiB, Repeat: 2, Margin: 0.25}
}

// Validate reports the first impossible value of a sweep.
func (s Sweep) Validate() error {
	if len(s.VRIDs) == 0 {
		return fmt.Errorf("%w: sweep: no VRID counts", ErrInvalid)
	}
	for _, n := range s.VRIDs {
		if n < 1 || n > MaxVRIDs {
			return fmt.Errorf("%w: sweep: --vrids %d: want 1 to %d", ErrInvalid, n, MaxVRIDs)
		}
	}
	switch {
	case s.RcvBufMin < 1 || s.RcvBufMax > bytesize.Max || s.RcvBufMin >= s.RcvBufMax:
		return fmt.Errorf("%w: sweep: buffer bounds %d..%d: want 1 <= min < max <= %d", ErrInvalid, s.RcvBufMin, s.RcvBufMax, bytesize.Max)
	case s.Repeat < 1 || s.Repeat > 20:
		return fmt.Errorf("%w: sweep: --repeat %d: want 1 to 20", ErrInvalid, s.Repeat)
	case s.Margin < 0 || s.Margin > 10:
		return fmt.Errorf("%w: sweep: --margin %v: want 0 to 10 (0.25 is 25 %%)", ErrInvalid, s.Margin)
	}
	return nil
}

// Validate reports the first impossible threshold.
func (g Gate) Validate() error {
	if g.MaxStuck < 0 || g.RecoveryFactor < 1 || g.RecoverySlack < 0 || g.StormFactor < 1 {
		return fmt.Errorf("%w: gate: thresholds %+v: want max_stuck >= 0, factors >= 1, slack >= 0", ErrInvalid, g)
	}
	return nil
}

// fileDoc is the YAML shape of a scenario file. Durations and sizes are
// strings ("100ms", "64K").
type fileDoc struct {
	Name                string    `yaml:"name"`
	Description         string    `yaml:"description"`
	VRIDs               *int      `yaml:"vrids"`
	VMAC                *bool     `yaml:"vmac"`
	Family              *int      `yaml:"family"`
	Version             *int      `yaml:"vrrp_version"`
	AdvertInt           *duration `yaml:"advert_int"`
	VIPsPerVRID         *int      `yaml:"vips_per_vrid"`
	RoutesPerVRID       *int      `yaml:"routes_per_vrid"`
	RcvBuf              *size     `yaml:"rcvbuf"`
	Force               *bool     `yaml:"force"`
	NoENOBUFS           *bool     `yaml:"no_enobufs"`
	OnOverrun           *string   `yaml:"on_overrun"`
	ConsumerCost        *duration `yaml:"consumer_cost"`
	Flaps               *int      `yaml:"flaps"`
	DownFor             *duration `yaml:"down_for"`
	RecoveryTimeout     *duration `yaml:"recovery_timeout"`
	Target              *string   `yaml:"target"`
	TargetCmd           *string   `yaml:"target_cmd"`
	KeepalivedBin       *string   `yaml:"keepalived_bin"`
	KeepalivedConfExtra *string   `yaml:"keepalived_conf_extra"`
	Gate                *struct {
		MaxDrops       *uint64   `yaml:"max_drops"`
		MaxStuck       *int      `yaml:"max_stuck"`
		RecoveryFactor *float64  `yaml:"recovery_p95_factor"`
		RecoverySlack  *duration `yaml:"recovery_p95_slack"`
		StormFactor    *float64  `yaml:"storm_factor"`
	} `yaml:"gate"`
	Sweep *struct {
		VRIDs     []int    `yaml:"vrids"`
		RcvBufMin *size    `yaml:"rcvbuf_min"`
		RcvBufMax *size    `yaml:"rcvbuf_max"`
		Repeat    *int     `yaml:"repeat"`
		Margin    *float64 `yaml:"margin"`
	} `yaml:"sweep"`
}

// duration and size decode "100ms" and "64K", with the line in errors.
type duration time.Duration

func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: invalid duration %q (want e.g. 100ms, 1s)", n.Line, n.Value)
	}
	*d = duration(v)
	return nil
}

type size bytesize.Size

func (s *size) UnmarshalYAML(n *yaml.Node) error {
	v, err := bytesize.Parse(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: %v", n.Line, err)
	}
	*s = size(v)
	return nil
}

// Load reads a scenario file strictly: an unknown key, a wrong type or an
// impossible value is a one-line error naming the file, the line and the
// key, wrapping ErrInvalid.
func Load(path string) (File, error) {
	if path == "" {
		return File{}, fmt.Errorf("%w: scenario file: empty path", ErrInvalid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("%w: scenario file: %w", ErrInvalid, err)
	}
	f, err := Parse(b)
	if err != nil {
		return File{}, fmt.Errorf("%w: %s:%s", ErrInvalid, path, strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
	}
	f.Path = path
	return f, nil
}

// yamlLine finds "line N: " in yaml.v3's messages.
var yamlLine = regexp.MustCompile(`line (\d+): (.*)`)

// Parse decodes a scenario file's bytes over Default, DefaultGate and
// DefaultSweep. Errors start with the line number ("12: ...").
func Parse(b []byte) (File, error) {
	var doc fileDoc
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err := dec.Decode(&doc)
	if errors.Is(err, io.EOF) {
		// Nothing but comments or blanks: a file that sets nothing is a
		// mistake (the wrong file, or one truncated), not the defaults.
		return File{}, fmt.Errorf("%w: 1: the file sets nothing (empty, or only comments)", ErrInvalid)
	}
	if err != nil {
		msg := err.Error()
		var te *yaml.TypeError
		if errors.As(err, &te) && len(te.Errors) > 0 {
			msg = te.Errors[0]
		}
		if m := yamlLine.FindStringSubmatch(msg); m != nil {
			return File{}, fmt.Errorf("%w: %s: %s", ErrInvalid, m[1], m[2])
		}
		return File{}, fmt.Errorf("%w: %s", ErrInvalid, strings.TrimPrefix(msg, "yaml: "))
	}
	var root yaml.Node
	_ = yaml.Unmarshal(b, &root)
	// lineOf is "N" for a key the file sets, for error messages.
	lineOf := func(key string) string {
		if n := lineOfKey(&root, key); n > 0 {
			return fmt.Sprint(n)
		}
		return "?"
	}

	f := File{Scenario: Default(), Gate: DefaultGate(), Sweep: DefaultSweep()}
	s := &f.Scenario
	s.Name = doc.Name
	setInt(&s.VRIDs, doc.VRIDs)
	setBool(&s.VMAC, doc.VMAC)
	setInt(&s.Family, doc.Family)
	setInt(&s.Version, doc.Version)
	setDur(&s.AdvertInterval, doc.AdvertInt)
	setInt(&s.VIPsPerVRID, doc.VIPsPerVRID)
	setInt(&s.RoutesPerVRID, doc.RoutesPerVRID)
	if doc.RcvBuf != nil {
		s.RcvBuf = bytesize.Size(*doc.RcvBuf)
	}
	setBool(&s.Force, doc.Force)
	setBool(&s.NoENOBUFS, doc.NoENOBUFS)
	if doc.OnOverrun != nil {
		if err := s.OnOverrun.Set(*doc.OnOverrun); err != nil {
			return File{}, fmt.Errorf("%w: %s: on_overrun: %v", ErrInvalid, lineOf("on_overrun"), err)
		}
	}
	setDur(&s.ConsumerCost, doc.ConsumerCost)
	setInt(&s.Flaps, doc.Flaps)
	setDur(&s.DownFor, doc.DownFor)
	setDur(&s.RecoveryTimeout, doc.RecoveryTimeout)
	if doc.Target != nil {
		s.Target = *doc.Target
	}
	if doc.TargetCmd != nil {
		s.TargetCmd = *doc.TargetCmd
	}
	if doc.KeepalivedBin != nil {
		s.KeepalivedBin = *doc.KeepalivedBin
	}
	if doc.KeepalivedConfExtra != nil {
		s.KeepalivedConfExtra = *doc.KeepalivedConfExtra
	}
	if err := s.Validate(); err != nil {
		// Name the key: Validate speaks of flags ("--vrids 0").
		msg := strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": ")
		if m := flagName.FindStringSubmatch(msg); m != nil {
			key := strings.ReplaceAll(m[1], "-", "_")
			if lineOfKey(&root, key) > 0 {
				return File{}, fmt.Errorf("%w: %s: %s: %s", ErrInvalid, lineOf(key), key, msg)
			}
		}
		return File{}, fmt.Errorf("%w: %s", ErrInvalid, msg)
	}
	if g := doc.Gate; g != nil {
		if g.MaxDrops != nil {
			f.Gate.MaxDrops = *g.MaxDrops
		}
		setInt(&f.Gate.MaxStuck, g.MaxStuck)
		if g.RecoveryFactor != nil {
			f.Gate.RecoveryFactor = *g.RecoveryFactor
		}
		setDur(&f.Gate.RecoverySlack, g.RecoverySlack)
		if g.StormFactor != nil {
			f.Gate.StormFactor = *g.StormFactor
		}
		if err := f.Gate.Validate(); err != nil {
			return File{}, fmt.Errorf("%w: %s: gate: %s", ErrInvalid, lineOf("gate"), strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": gate: "))
		}
	}
	if sw := doc.Sweep; sw != nil {
		if sw.VRIDs != nil {
			f.Sweep.VRIDs = sw.VRIDs
		}
		if sw.RcvBufMin != nil {
			f.Sweep.RcvBufMin = bytesize.Size(*sw.RcvBufMin)
		}
		if sw.RcvBufMax != nil {
			f.Sweep.RcvBufMax = bytesize.Size(*sw.RcvBufMax)
		}
		setInt(&f.Sweep.Repeat, sw.Repeat)
		if sw.Margin != nil {
			f.Sweep.Margin = *sw.Margin
		}
		if err := f.Sweep.Validate(); err != nil {
			return File{}, fmt.Errorf("%w: %s: %s", ErrInvalid, lineOf("sweep"), strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		}
	}
	return f, nil
}

// flagName finds the flag a validation error names.
var flagName = regexp.MustCompile(`^--([a-z-]+)`)

// lineOfKey is the line of a top-level key in the document, 0 if absent.
func lineOfKey(root *yaml.Node, key string) int {
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == key {
			return root.Content[i].Line
		}
	}
	return 0
}

func setInt(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

func setBool(dst *bool, v *bool) {
	if v != nil {
		*dst = *v
	}
}

func setDur(dst *time.Duration, v *duration) {
	if v != nil {
		*dst = time.Duration(*v)
	}
}

// Override copies into dst the fields of src whose flags were given on the
// command line (changed reports that by flag name), so flags win over a
// scenario file.
func Override(dst *Scenario, src Scenario, changed func(flag string) bool) {
	for _, o := range []struct {
		flag string
		set  func()
	}{
		{"vrids", func() { dst.VRIDs = src.VRIDs }},
		{"vmac", func() { dst.VMAC = src.VMAC }},
		{"family", func() { dst.Family = src.Family }},
		{"vrrp-version", func() { dst.Version = src.Version }},
		{"advert-int", func() { dst.AdvertInterval = src.AdvertInterval }},
		{"vips-per-vrid", func() { dst.VIPsPerVRID = src.VIPsPerVRID }},
		{"routes-per-vrid", func() { dst.RoutesPerVRID = src.RoutesPerVRID }},
		{"rcvbuf", func() { dst.RcvBuf = src.RcvBuf }},
		{"force", func() { dst.Force = src.Force }},
		{"no-enobufs", func() { dst.NoENOBUFS = src.NoENOBUFS }},
		{"on-overrun", func() { dst.OnOverrun = src.OnOverrun }},
		{"consumer-cost", func() { dst.ConsumerCost = src.ConsumerCost }},
		{"flaps", func() { dst.Flaps = src.Flaps }},
		{"down-for", func() { dst.DownFor = src.DownFor }},
		{"recovery-timeout", func() { dst.RecoveryTimeout = src.RecoveryTimeout }},
		{"target", func() { dst.Target = src.Target }},
		{"target-cmd", func() { dst.TargetCmd = src.TargetCmd }},
		{"keepalived-bin", func() { dst.KeepalivedBin = src.KeepalivedBin }},
		{"keepalived-conf-extra", func() { dst.KeepalivedConfExtra = src.KeepalivedConfExtra }},
		{"keep-lab", func() { dst.KeepLab = src.KeepLab }},
	} {
		if changed(o.flag) {
			o.set()
		}
	}
}

// OverrideSweep copies into dst the fields of src whose flags were given.
func OverrideSweep(dst *Sweep, src Sweep, changed func(flag string) bool) {
	if changed("vrids") {
		dst.VRIDs = src.VRIDs
	}
	if changed("rcvbuf-min") {
		dst.RcvBufMin = src.RcvBufMin
	}
	if changed("rcvbuf-max") {
		dst.RcvBufMax = src.RcvBufMax
	}
	if changed("repeat") {
		dst.Repeat = src.Repeat
	}
	if changed("margin") {
		dst.Margin = src.Margin
	}
}
