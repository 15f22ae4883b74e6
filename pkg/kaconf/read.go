// Package kaconf reads keepalived configuration files the way keepalived
// 2.2.7's own reader (lib/parser.c) does, and extracts what nlstress needs
// from them: the VRRP instances, their interfaces, addresses and routes,
// the sync groups, and the netlink buffer settings. diagnose estimates a
// storm from what it reads; the keepalived target replays it in a lab.
//
// The reader follows keepalived line by line: comments start at # or !
// outside quotes (\# and \! escape them); $NAME=VALUE defines a name, a
// trailing \ continues a definition on the next line, and $NAME or ${NAME}
// is replaced where keepalived replaces it; ~SEQ(VAR, START, STEP, END)
// repeats the rest of its line; @ID and @^ID lines are kept or dropped by
// the configuration id; include takes glob patterns relative to the
// including file; a line is cut at its first brace, so "{" may stand on a
// line of its own. Errors name the file and line.
package kaconf

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// ErrConfig is wrapped by every error reading a keepalived configuration:
// an unreadable file, unbalanced braces or quotes, a bad ~SEQ, a value
// keepalived would reject. Such errors are one line and name file:line.
var ErrConfig = errors.New("keepalived configuration")

// Options are the reader's settings that keepalived takes from its
// command line.
type Options struct {
	// ConfigID is keepalived's --config-id: lines starting "@ID " are
	// read only when it is ID, lines starting "@^ID " only when it is not.
	// Empty means what keepalived does without the option: the host's
	// name up to its first dot (HostConfigID).
	ConfigID string
}

// HostConfigID is the configuration id keepalived uses when started
// without --config-id: the host's name (uname's nodename) up to its first
// dot, "lb1" on lb1.example.net. It is "" when the name cannot be read.
func HostConfigID() string {
	name, err := os.Hostname()
	if err != nil {
		return ""
	}
	id, _, _ := strings.Cut(name, ".")
	return id
}

// configID is the id the options stand for.
func (o Options) configID() string {
	if o.ConfigID == "" {
		return HostConfigID()
	}
	return o.ConfigID
}

// maxIncludeDepth stops include loops.
const maxIncludeDepth = 8

// maxExpansions bounds the substitutions on one line, so that a definition
// that refers to itself is an error rather than a hang.
const maxExpansions = 256

// maxLines bounds the logical lines of a configuration (a ~SEQ over a
// billion values is a mistake, not a router): about 250 lines for each of
// 4080 instances.
const maxLines = 1 << 20

// line is one logical line: a statement without braces, or a lone brace.
type line struct {
	text string
	file string
	num  int
}

// definition is the value of a $NAME: one line, or several for a
// definition continued with a trailing backslash.
type definition struct {
	lines     []string
	multiline bool
}

// reader turns files into logical lines.
type reader struct {
	id       string // the configuration id, for @ID lines
	defs     map[string]*definition
	out      []line
	warnings []string
}

// errorf is an ErrConfig error at file:num.
func errorf(file string, num int, format string, args ...any) error {
	return fmt.Errorf("%w: %s:%d: %s", ErrConfig, file, num, fmt.Sprintf(format, args...))
}

func newReader(opt Options) *reader {
	return &reader{id: opt.configID(), defs: map[string]*definition{
		// keepalived's standard definitions that do not depend on the
		// running process.
		"_HASH": {lines: []string{"#"}},
		"_BANG": {lines: []string{"!"}},
	}}
}

// readFile reads one file's lines into r.out.
func (r *reader) readFile(path string, depth int) error {
	if depth > maxIncludeDepth {
		return fmt.Errorf("%w: %s: includes nested deeper than %d (a loop?)", ErrConfig, path, maxIncludeDepth)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return r.readText(path, string(b), depth)
}

// readText reads the text of the file called path.
func (r *reader) readText(path, text string, depth int) error {
	var open *definition // a definition continued on the next line
	for i, raw := range strings.Split(text, "\n") {
		num := i + 1
		raw = strings.TrimRight(raw, "\r")
		if raw == "" {
			open = nil // keepalived ends a continued definition at a blank line
			continue
		}
		s, cont, err := decomment(raw)
		if err != nil {
			return errorf(path, num, "%v", err)
		}
		if open != nil {
			if s != "" {
				open.lines = append(open.lines, s)
			}
			if !cont {
				open = nil
			}
			continue
		}
		if cont {
			s += `\` // only a definition continues; elsewhere keepalived keeps the backslash
		}
		if s == "" {
			continue
		}
		if open, err = r.logical(s, path, num, depth, 0); err != nil {
			return err
		}
	}
	return nil
}

// defPattern is a definition line: $NAME=VALUE, no space before "=".
var defPattern = regexp.MustCompile(`^\$([A-Za-z_][A-Za-z0-9_]*)=[ \t]*(.*)$`)

// logical handles one decommented line: an @ID prefix, a definition, a
// ~SEQ, substitutions, an include, and the cut at braces. It returns the
// definition the line opened when it ends with a backslash.
func (r *reader) logical(s, path string, num, depth, expansions int) (*definition, error) {
	for {
		if strings.HasPrefix(s, "@") {
			var keep bool
			if s, keep = r.configID(s); !keep {
				return nil, nil
			}
		}
		if m := defPattern.FindStringSubmatch(s); m != nil {
			d := &definition{}
			v := m[2]
			if strings.HasSuffix(v, `\`) {
				d.multiline = true
				v = strings.TrimRight(strings.TrimSuffix(v, `\`), " \t")
			}
			if v != "" {
				d.lines = []string{v}
			}
			r.defs[m[1]] = d
			if d.multiline {
				return d, nil
			}
			return nil, nil
		}
		if strings.HasPrefix(s, "~LST") {
			return nil, errorf(path, num, "~LST is not supported by nlstress; write the lines out or use ~SEQ")
		}
		if strings.HasPrefix(s, "~SEQ") {
			return nil, r.seq(s, path, num, depth, expansions)
		}
		if !strings.HasPrefix(s, "~") && strings.Contains(s, "$") {
			first, rest, changed := r.substitute(s)
			if changed {
				if expansions++; expansions > maxExpansions {
					return nil, errorf(path, num, "definitions expand more than %d times (one refers to itself?)", maxExpansions)
				}
				// keepalived decomments a replaced line again; a
				// definition's later lines follow as lines of their own.
				for _, l := range append([]string{first}, rest...) {
					l, _, err := decomment(l)
					if err != nil {
						return nil, errorf(path, num, "%v", err)
					}
					if _, err := r.logical(l, path, num, depth, expansions); err != nil {
						return nil, err
					}
				}
				return nil, nil
			}
		}
		break
	}
	if s == "" {
		return nil, nil
	}
	if pat, check, ok := includePattern(s); ok {
		return nil, r.include(pat, check, path, num, depth)
	}
	if len(r.out) >= maxLines {
		return nil, errorf(path, num, "more than %d lines after expansion", maxLines)
	}
	r.cut(s, path, num)
	return nil, nil
}

// configID applies an @ID or @^ID prefix: the line without it, and whether
// it is kept.
func (r *reader) configID(s string) (string, bool) {
	rev := strings.HasPrefix(s, "@^")
	id := strings.TrimPrefix(strings.TrimPrefix(s, "@^"), "@")
	end := strings.IndexAny(id, " \t")
	if end < 0 {
		return "", false // nothing after the id
	}
	match := r.id != "" && id[:end] == r.id
	if match == rev {
		return "", false
	}
	return strings.TrimLeft(id[end:], " \t"), true
}

// substitute replaces the defined names in s as keepalived does: $NAME
// followed by a blank, ",", ")" or the end of the line, or ${NAME}; a
// replacement is scanned again. A definition of several lines replaces
// only a $NAME that ends the line, and its later lines follow as lines of
// their own.
func (r *reader) substitute(s string) (first string, rest []string, changed bool) {
	for pos, n := 0, 0; n < maxExpansions; n++ {
		i := strings.IndexByte(s[pos:], '$')
		if i < 0 {
			break
		}
		i += pos
		name, end, ok := defName(s, i)
		d := r.defs[name]
		if !ok || d == nil || (d.multiline && end != len(s)) {
			pos = i + 1
			continue
		}
		changed = true
		var v string
		if len(d.lines) > 0 {
			v = d.lines[0]
		}
		s = s[:i] + v + s[end:]
		if d.multiline && len(d.lines) > 1 {
			rest = append(append([]string{}, d.lines[1:]...), rest...)
			break
		}
		pos = i // scan the replacement again, as keepalived does
	}
	return s, rest, changed
}

// defName reads the name of a reference at s[i] == '$': the name, the
// index just past the reference, and whether it is one.
func defName(s string, i int) (string, int, bool) {
	braces := i+1 < len(s) && s[i+1] == '{'
	j := i + 1
	if braces {
		j++
	}
	start := j
	for j < len(s) && (s[j] == '_' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= 'A' && s[j] <= 'Z' || j > start && s[j] >= '0' && s[j] <= '9') {
		j++
	}
	if j == start {
		return "", 0, false
	}
	name := s[start:j]
	if braces {
		if j >= len(s) || s[j] != '}' {
			return "", 0, false
		}
		return name, j + 1, true
	}
	if j < len(s) && !strings.ContainsRune(" \t,)", rune(s[j])) {
		return "", 0, false
	}
	return name, j, true
}

// seqPattern is ~SEQ(VAR, A[, B[, C]]) TEXT, or ~SEQx for hexadecimal.
var seqPattern = regexp.MustCompile(`^~SEQ(x?)[ \t]*\([ \t]*([^ \t,)]+)[ \t]*,([^)]*)\)[ \t]*(.*)$`)

// seq expands ~SEQ: TEXT once for each value of VAR, which stays defined
// afterwards with its last value. One number is END (from 1, or -1 when
// negative); two are START and END; three are START, STEP and END.
func (r *reader) seq(s, path string, num, depth, expansions int) error {
	m := seqPattern.FindStringSubmatch(s)
	if m == nil {
		return errorf(path, num, "invalid ~SEQ %q: want ~SEQ(VAR, [START, [STEP,]] END) TEXT", s)
	}
	hex, name, text := m[1] == "x", m[2], m[4]
	params, _, _ := r.substitute(m[3])
	var n []int64
	for _, f := range strings.Split(params, ",") {
		v, err := strconv.ParseInt(strings.TrimSpace(f), 0, 64)
		if err != nil {
			return errorf(path, num, "invalid ~SEQ %q: %q is not a number", s, strings.TrimSpace(f))
		}
		n = append(n, v)
	}
	var start, step, end int64
	switch len(n) {
	case 1:
		end, step, start = n[0], 1, 1
		if end < 1 {
			step = -1
		}
		if end < 0 {
			start = -1
		}
	case 2:
		start, end, step = n[0], n[1], 1
		if start > end {
			step = -1
		}
	case 3:
		start, step, end = n[0], n[1], n[2]
		if step == 0 || start < end && step < 0 || start > end && step > 0 {
			return errorf(path, num, "invalid ~SEQ values %q: the step does not lead from start to end", s)
		}
	default:
		return errorf(path, num, "invalid ~SEQ %q: want one to three numbers", s)
	}
	if hex && (start < 0 || end < 0) {
		return errorf(path, num, "~SEQx %q: only positive numbers", s)
	}
	if math.Abs(float64(end)-float64(start))/math.Abs(float64(step)) >= maxLines {
		return errorf(path, num, "~SEQ %q: more than %d values", s, maxLines)
	}
	for v := start; ; v += step {
		val := strconv.FormatInt(v, 10)
		if hex {
			val = strconv.FormatInt(v, 16)
		}
		r.defs[name] = &definition{lines: []string{val}}
		if text != "" {
			if _, err := r.logical(text, path, num, depth, expansions); err != nil {
				return err
			}
		}
		if step > 0 && v+step > end || step < 0 && v+step < end {
			break
		}
	}
	return nil
}

// includeCheck is what makes an include statement's problems errors
// rather than warnings (keepalived's include_t), by the letter after
// "include".
type includeCheck uint8

const (
	includeR includeCheck = 1 << iota // a match that is a directory, executable or unreadable
	includeM                          // a name or directory that does not exist
	includeW                          // a wildcard that matches nothing
	includeB                          // a brace alternative that matches nothing (then none is read)
)

// includeChecks are the include variants: include, includer, includem,
// includew, includeb and includea.
var includeChecks = map[byte]includeCheck{
	' ': 0, 'r': includeR, 'm': includeR | includeM, 'w': includeR | includeM | includeW,
	'b': includeR | includeB, 'a': includeR | includeM | includeW | includeB,
}

// includePattern recognises "include PATTERN" and its variants: the
// pattern is the rest of the line, spaces and all, as keepalived globs it.
func includePattern(s string) (string, includeCheck, bool) {
	if !strings.HasPrefix(s, "include") || len(s) < 9 {
		return "", 0, false
	}
	c, i := s[7], 8
	if c == '\t' {
		c = ' '
	}
	if c != ' ' {
		if s[8] != ' ' && s[8] != '\t' {
			return "", 0, false
		}
		i = 9
	}
	check, ok := includeChecks[c]
	if !ok {
		return "", 0, false
	}
	return strings.TrimLeft(s[i:], " \t"), check, true
}

// include reads the files a pattern matches, relative to the including
// file, as keepalived does: braces expanded, each alternative's matches in
// name order, directories and executable files skipped. What the include
// variant does not make an error is a warning, and keepalived goes on.
func (r *reader) include(pattern string, check includeCheck, path string, num, depth int) error {
	pat := pattern
	if !filepath.IsAbs(pat) {
		pat = filepath.Join(filepath.Dir(path), pat)
	}
	problem := func(kind includeCheck, format string, args ...any) error {
		msg := fmt.Sprintf("include %s: ", pattern) + fmt.Sprintf(format, args...)
		if check&kind != 0 {
			return errorf(path, num, "%s", msg)
		}
		r.warnings = append(r.warnings, fmt.Sprintf("%s:%d: %s (keepalived goes on without it)", path, num, msg))
		return nil
	}
	g := glob(pat)
	switch {
	case len(g.Paths) == 0 && g.Missing > 0 && g.Brace:
		return problem(includeB, "a file or directory it names does not exist")
	case len(g.Paths) == 0 && g.Missing > 0:
		return problem(includeM, "a file or directory it names does not exist")
	case len(g.Paths) == 0:
		return problem(includeW, "no file matches")
	case g.Missing > 0:
		// With includeb keepalived reads none of the pattern's files.
		if err := problem(includeB, "some files it names do not exist"); err != nil {
			return err
		}
	}
	for _, m := range g.Paths {
		if strings.HasSuffix(m, "/") {
			if err := problem(includeR, "%s is a directory: skipped", m); err != nil {
				return err
			}
			continue
		}
		if st, err := os.Stat(m); err != nil || !st.Mode().IsRegular() || st.Mode()&0o111 != 0 {
			if err := problem(includeR, "%s is not a regular non-executable file: skipped", m); err != nil {
				return err
			}
			continue
		}
		if err := r.readFile(m, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// cut splits a line at braces outside quotes, as keepalived does: a
// line starting with a brace yields the brace and then the rest; any
// other line yields the text before its first brace and then the rest.
func (r *reader) cut(s, path string, num int) {
	for s != "" {
		i := braceIndex(s)
		switch {
		case i < 0:
			r.out = append(r.out, line{s, path, num})
			return
		case i == 0:
			r.out = append(r.out, line{s[:1], path, num})
			s = strings.TrimSpace(s[1:])
		default:
			r.out = append(r.out, line{strings.TrimRight(s[:i], " \t"), path, num})
			s = s[i:]
		}
	}
}

// braceIndex is the index of the first { or } outside double quotes, or -1.
func braceIndex(s string) int {
	quote := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quote = !quote
		case '{', '}':
			if !quote {
				return i
			}
		}
	}
	return -1
}

// decomment trims a line and drops its comment as keepalived's decomment
// does: from the first # or ! outside double quotes; \# and \! outside
// quotes stand for the characters themselves. cont reports a trailing
// backslash (removed), which continues a definition.
func decomment(raw string) (s string, cont bool, err error) {
	raw = strings.TrimLeft(raw, " \t")
	var b strings.Builder
	quote := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"':
			quote = !quote
		case c == '\\' && i == len(raw)-1:
			cont = true
			continue
		case c == '\\' && !quote && (raw[i+1] == '#' || raw[i+1] == '!'):
			i++
			c = raw[i]
		case c == '\\':
			b.WriteByte(c)
			i++
			c = raw[i]
		case !quote && (c == '#' || c == '!'):
			i = len(raw)
			continue
		}
		b.WriteByte(c)
	}
	if quote {
		return "", false, fmt.Errorf("unterminated quote in %q", strings.TrimSpace(raw))
	}
	return strings.TrimRight(b.String(), " \t"), cont, nil
}
