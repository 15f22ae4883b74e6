package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

// File is a scenario file: one run's options, and optionally the gate's
// thresholds and a sweep's matrix.
type File struct {
	Path     string
	Scenario Scenario
	Gate     Gate
	Sweep    Sweep
	Compare  Compare
}

// Compare is a comparison's variants ("nlstress compare"): each
// "NAME=OPTIONS", the first the baseline, and how many flaps each gets.
type Compare struct {
	Variants []string `json:"variants"`
	Flaps    int      `json:"flaps"`
}

// DefaultCompareFlaps is how many flaps each variant of a comparison gets
// unless told: 30, which bounds a rate to about ±17 points at 95 %.
const DefaultCompareFlaps = 30

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
	// Confirm is how many flaps in a row must lose nothing at a buffer
	// before the sweep calls it safe: 0 of 30 bounds the loss
	// probability below 10 % at 95 % confidence (rule of three).
	Confirm int     `json:"confirm"`
	Margin  float64 `json:"margin"`
	// Method is how the smallest safe buffer is found: SweepBisect or
	// SweepPeaks; "" is SweepBisect.
	Method string `json:"method,omitempty"`
}

// The sweep's methods.
const (
	// SweepBisect bisects between the bounds with one flap per buffer,
	// then confirms the smallest clean buffer with Confirm flaps in a row.
	SweepBisect = "bisect"
	// SweepPeaks flaps Confirm times in all: all but 3 at the largest
	// buffer, reading each flap's queue peak in the kernel, and 3 at the
	// smallest buffer none of them passed, which it takes.
	SweepPeaks = "peaks"
)

// DefaultConfirm is the confirmation a sweep asks for unless told:
// "0 of 30" means P(loss) < 10 % with 95 % confidence.
const DefaultConfirm = 30

// DefaultSweep is what a sweep without a sweep section gets.
func DefaultSweep() Sweep {
	return Sweep{VRIDs: []int{64, 128, 255}, RcvBufMin: 4 * bytesize.KiB, RcvBufMax: 16 * bytesize.MiB, Confirm: DefaultConfirm, Margin: 0.25}
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
	case s.Confirm < 1 || s.Confirm > 1000:
		return fmt.Errorf("%w: sweep: --confirm %d: want 1 to 1000 (30 bounds the loss rate below 10 %% at 95 %% confidence)", ErrInvalid, s.Confirm)
	case s.Margin < 0 || s.Margin > 10:
		return fmt.Errorf("%w: sweep: --margin %v: want 0 to 10 (0.25 is 25 %%)", ErrInvalid, s.Margin)
	case s.Method != "" && s.Method != SweepBisect && s.Method != SweepPeaks:
		return fmt.Errorf("%w: sweep: --method %q: want %s or %s", ErrInvalid, s.Method, SweepBisect, SweepPeaks)
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

// fileDoc is the YAML shape of a scenario file: its name, the gate and
// sweep sections, and the scenario's own keys (Fields), which are decoded
// by the field table. Durations and sizes are strings ("100ms", "64K").
type fileDoc struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Gate        *struct {
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
		Confirm   *int     `yaml:"confirm"`
		Margin    *float64 `yaml:"margin"`
		Method    *string  `yaml:"method"`
	} `yaml:"sweep"`
	Compare *struct {
		Variants []string `yaml:"variants"`
		Flaps    *int     `yaml:"flaps"`
	} `yaml:"compare"`
	Fields map[string]yaml.Node `yaml:",inline"`
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

// plainYAML rewrites go.yaml.in/yaml/v3's messages that name Go types into words:
// "field x not found in type scenario.fileDoc" becomes unknown key "x",
// "cannot unmarshal !!seq into scenario.fileDoc" says what was wanted.
func plainYAML(msg string) string {
	msg = unknownField.ReplaceAllString(msg, `unknown key "$1"`)
	msg = cannotUnmarshal.ReplaceAllStringFunc(msg, func(m string) string {
		sm := cannotUnmarshal.FindStringSubmatch(m)
		switch {
		case strings.Contains(sm[3], "fileDoc"):
			return "a scenario file is a mapping of keys to values"
		case sm[2] != "":
			return fmt.Sprintf("%s is not a %s", sm[2], goKind(sm[3]))
		}
		return fmt.Sprintf("want a %s, not a %s", goKind(sm[3]), sm[1])
	})
	return msg
}

var (
	unknownField    = regexp.MustCompile(`field (\S+) not found in type .*`)
	cannotUnmarshal = regexp.MustCompile("cannot unmarshal !!(\\w+) (?:`([^`]*)` )?into (\\S+)")
)

// goKind names a Go type the way a person reads a YAML value.
func goKind(t string) string {
	switch strings.TrimPrefix(t, "*") {
	case "int", "uint64", "[]int":
		return "whole number"
	case "float64":
		return "number"
	case "bool":
		return "true or false"
	}
	return "value"
}

// suggest is ` (did you mean "vmac"?)` for a key one or two edits from
// a known one, else "".
func suggest(key string) string {
	best, bestD := "", 3
	known := []string{"name", "description", "gate", "sweep"}
	for _, f := range Fields {
		known = append(known, f.Key)
	}
	for _, k := range known {
		if d := editDistance(key, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// yamlLine finds "line N: " in go.yaml.in/yaml/v3's messages.
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
		msg = plainYAML(msg)
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

	f := File{Scenario: Default(), Gate: DefaultGate(), Sweep: DefaultSweep(), Compare: Compare{Flaps: DefaultCompareFlaps}}
	s := &f.Scenario
	s.Name = doc.Name
	keys := make([]string, 0, len(doc.Fields))
	for k := range doc.Fields {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(a, b int) bool { return doc.Fields[keys[a]].Line < doc.Fields[keys[b]].Line })
	for _, key := range keys {
		n := doc.Fields[key]
		field, ok := FieldByKey(key)
		if !ok {
			return File{}, fmt.Errorf("%w: %d: unknown key %q%s", ErrInvalid, n.Line, key, suggest(key))
		}
		if n.Kind != yaml.ScalarNode {
			return File{}, fmt.Errorf("%w: %d: %s: want a single value", ErrInvalid, n.Line, key)
		}
		if err := field.Set(s, n.Value); err != nil {
			return File{}, fmt.Errorf("%w: %d: %s: %v", ErrInvalid, n.Line, key, err)
		}
	}
	if err := s.Validate(); err != nil {
		if fe, ok := AsFieldError(err); ok && lineOfKey(&root, fe.Field.Key) > 0 {
			return File{}, fmt.Errorf("%w: %s: %s: %s: %s", ErrInvalid, lineOf(fe.Field.Key), fe.Field.Key, fe.Value, fe.Msg)
		}
		return File{}, err
	}
	if err := doc.sections(&f, lineOf); err != nil {
		return File{}, err
	}
	return f, nil
}

// sections reads the file's gate, sweep and compare sections into f;
// lineOf names a top-level key's line for errors.
func (doc *fileDoc) sections(f *File, lineOf func(string) string) error {
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
			return fmt.Errorf("%w: %s: gate: %s", ErrInvalid, lineOf("gate"), strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": gate: "))
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
		setInt(&f.Sweep.Confirm, sw.Confirm)
		if sw.Margin != nil {
			f.Sweep.Margin = *sw.Margin
		}
		if sw.Method != nil {
			f.Sweep.Method = *sw.Method
		}
		if err := f.Sweep.Validate(); err != nil {
			return fmt.Errorf("%w: %s: %s", ErrInvalid, lineOf("sweep"), strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": "))
		}
	}
	if c := doc.Compare; c != nil {
		f.Compare.Variants = c.Variants
		setInt(&f.Compare.Flaps, c.Flaps)
		if f.Compare.Flaps < 1 || f.Compare.Flaps > MaxFlaps {
			return fmt.Errorf("%w: %s: compare: flaps %d: want 1 to %d per variant", ErrInvalid, lineOf("compare"), f.Compare.Flaps, MaxFlaps)
		}
	}
	return nil
}

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

func setDur(dst *time.Duration, v *duration) {
	if v != nil {
		*dst = time.Duration(*v)
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
	if changed("confirm") {
		dst.Confirm = src.Confirm
	}
	if changed("margin") {
		dst.Margin = src.Margin
	}
	if changed("method") {
		dst.Method = src.Method
	}
}

// FromCommandLine is the scenario file a command runs: the file at path
// when one was given (given is true even for an empty path, which is then
// an error), else the defaults; with the flags the user set (changed, by
// flag name) copied over it from flags and sweepFlags; validated.
func FromCommandLine(path string, given bool, flags Scenario, sweepFlags Sweep, changed func(flag string) bool) (File, error) {
	f := File{Scenario: Default(), Gate: DefaultGate(), Sweep: DefaultSweep(), Compare: Compare{Flaps: DefaultCompareFlaps}}
	if given || path != "" {
		var err error
		if f, err = Load(path); err != nil {
			return f, err
		}
	}
	Override(&f.Scenario, flags, changed)
	OverrideSweep(&f.Sweep, sweepFlags, changed)
	if err := f.Scenario.Validate(); err != nil {
		return f, err
	}
	return f, f.Sweep.Validate()
}
