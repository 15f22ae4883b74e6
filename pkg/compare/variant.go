// Package compare measures mitigations side by side: one lab flapped under
// several variants of its configuration, interleaved flap by flap (A B C
// A B C ...) so that drift in the machine hits every variant alike, each
// variant's loss and stuck rates with their intervals, and Fisher's exact
// test of each against the first, the baseline, with the power that says
// what a "no difference" can and cannot rule out. Labs are opened by the
// function it is given; it builds nothing itself.
package compare

import (
	"fmt"
	"strings"

	"github.com/nlstress/nlstress/pkg/scenario"
)

// Variant is one configuration of the lab that a comparison flaps.
type Variant struct {
	// Name names it in the tables; Spec is its options as given.
	Name string `json:"name"`
	Spec string `json:"spec"`
	// Scenario is the baseline's with the variant's options applied.
	Scenario scenario.Scenario `json:"-"`
	// Changes are the fields it changes from the baseline, by key.
	Changes []string `json:"changes"`
}

// Parse reads the variants "NAME=OPTIONS" on top of base; the first is
// the baseline. OPTIONS is empty (base as it is), "global: LINE; LINE"
// (keepalived.conf lines for global_defs), "instance: LINE; LINE" (for
// every vrrp_instance), or run options as flags ("--rcvbuf 1000000
// --force", "--notify-scripts", "--host-load 50", "--keepalived-bin
// PATH"). changeable says whether a variant's scenario can follow base in
// one lab. Every error is bad input: a comparison of one variant, a name
// used twice, an unknown option, an option that needs another lab, a
// scenario that does not validate.
func Parse(base scenario.Scenario, specs []string, changeable func(base, sc scenario.Scenario) error) ([]Variant, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{scenario.ErrInvalid}, args...)...)
	}
	if len(specs) < 2 {
		return nil, bad("a comparison needs at least two variants, the first the baseline (got %d)", len(specs))
	}
	var out []Variant
	seen := map[string]bool{}
	for _, spec := range specs {
		name, opts, ok := strings.Cut(spec, "=")
		name = strings.TrimSpace(name)
		switch {
		case !ok || name == "":
			return nil, bad("variant %q: want NAME=OPTIONS (OPTIONS may be empty for the baseline)", spec)
		case strings.ContainsAny(name, " \t"):
			return nil, bad("variant name %q: one word", name)
		case seen[name]:
			return nil, bad("variant name %q used twice", name)
		}
		seen[name] = true
		sc, err := apply(base, strings.TrimSpace(opts))
		if err != nil {
			return nil, fmt.Errorf("variant %s: %w", name, err)
		}
		if err := sc.Validate(); err != nil {
			return nil, fmt.Errorf("variant %s: %w", name, err)
		}
		if err := changeable(base, sc); err != nil {
			return nil, fmt.Errorf("variant %s: %w", name, err)
		}
		changes := scenario.Differ(base, sc)
		if len(out) > 0 {
			changes = scenario.Differ(out[0].Scenario, sc)
		}
		out = append(out, Variant{Name: name, Spec: strings.TrimSpace(opts), Scenario: sc, Changes: changes})
	}
	return out, nil
}

// apply is base with the options of one variant.
func apply(base scenario.Scenario, opts string) (scenario.Scenario, error) {
	sc := base
	for _, section := range []struct {
		prefix string
		field  *string
	}{{"global:", &sc.KeepalivedGlobal}, {"instance:", &sc.KeepalivedInstance}} {
		if rest, ok := strings.CutPrefix(opts, section.prefix); ok {
			lines := scenario.Lines(rest)
			if len(lines) == 0 {
				return sc, fmt.Errorf("%w: %s names no line", scenario.ErrInvalid, section.prefix)
			}
			*section.field = strings.Join(append(scenario.Lines(*section.field), lines...), "; ")
			return sc, nil
		}
	}
	words, err := Split(opts)
	if err != nil {
		return sc, err
	}
	for i := 0; i < len(words); i++ {
		flag, value, hasValue := strings.Cut(strings.TrimPrefix(words[i], "--"), "=")
		if !strings.HasPrefix(words[i], "--") {
			return sc, fmt.Errorf("%w: %q: want --OPTION VALUE, global: LINES or instance: LINES", scenario.ErrInvalid, words[i])
		}
		f, ok := scenario.FieldByFlag(flag)
		if !ok {
			return sc, fmt.Errorf("%w: unknown option --%s", scenario.ErrInvalid, flag)
		}
		if _, isBool := f.Ptr(&sc).(*bool); isBool && !hasValue {
			value, hasValue = "true", true
		}
		if !hasValue {
			if i+1 == len(words) {
				return sc, fmt.Errorf("%w: --%s needs a value", scenario.ErrInvalid, flag)
			}
			i++
			value = words[i]
		}
		if err := f.Set(&sc, value); err != nil {
			return sc, fmt.Errorf("%w: --%s: %v", scenario.ErrInvalid, flag, err)
		}
	}
	return sc, nil
}

// Split cuts options into words as a shell would: at blanks, except
// inside single or double quotes, which group a value with blanks
// ("--keepalived-global 'vrrp_rt_priority 50; vrrp_rlimit_rttime 1000000'").
func Split(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	var quote rune
	in := false
	for _, c := range s {
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(c)
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == ' ' || c == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(c)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("%w: %s: a quote is not closed", scenario.ErrInvalid, s)
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}
