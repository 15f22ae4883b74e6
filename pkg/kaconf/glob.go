package kaconf

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// globResult is what glibc's glob(GLOB_MARK|GLOB_BRACE) with keepalived's
// directory hooks gives for one include pattern.
type globResult struct {
	// Paths are the matches: each brace alternative's in name order, the
	// alternatives in the order written. A directory ends in "/", as
	// GLOB_MARK marks it.
	Paths []string
	// Missing counts literal names and directories that do not exist
	// (keepalived's missing_files and missing_directories).
	Missing int
	// Brace reports an unescaped "{" in the pattern (keepalived's
	// have_brace).
	Brace bool
}

// glob expands an include pattern as keepalived does: the whole pattern,
// spaces and all, braces first ("vrrp-{a,b}.conf" is two patterns), then
// *, ? and [...] per path element, where a wildcard never matches a name's
// leading dot (glibc's glob without GLOB_PERIOD) and \ escapes.
func glob(pattern string) globResult {
	var g globResult
	g.Brace = hasBrace(pattern)
	for _, p := range expandBraces(pattern) {
		g.Paths = append(g.Paths, g.one(p)...)
	}
	return g
}

// one globs a pattern without braces.
func (g *globResult) one(pattern string) []string {
	if !hasMeta(pattern) {
		name := unescape(pattern)
		st, err := os.Lstat(name)
		if err != nil {
			g.Missing++
			return nil
		}
		if st.IsDir() || st.Mode()&fs.ModeSymlink != 0 && isDir(name) {
			name = strings.TrimSuffix(name, "/") + "/"
		}
		return []string{name}
	}
	dir, file := splitLast(pattern)
	var dirs []string
	switch {
	case dir == "":
		dirs = []string{""}
	case hasMeta(dir):
		for _, d := range g.one(strings.TrimSuffix(dir, "/")) {
			if strings.HasSuffix(d, "/") {
				dirs = append(dirs, d)
			}
		}
	default:
		dirs = []string{strings.TrimSuffix(unescape(dir), "/") + "/"}
	}
	var out []string
	for _, d := range dirs {
		out = append(out, g.matchDir(d, file)...)
	}
	return out
}

// matchDir matches one path element's pattern against the names in dir
// ("" for the current directory, else ending in "/").
func (g *globResult) matchDir(dir, pattern string) []string {
	if !hasMeta(pattern) {
		return g.one(escapeMeta(dir) + pattern)
	}
	open := dir
	if open == "" {
		open = "."
	}
	entries, err := os.ReadDir(open)
	if err != nil {
		g.Missing++
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") && !strings.HasPrefix(unescape(pattern), ".") {
			continue // FNM_PERIOD: only a written dot matches a leading dot
		}
		if ok, err := filepath.Match(goPattern(pattern), name); err != nil || !ok {
			continue
		}
		p := dir + name
		if isDir(p) {
			p += "/"
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// goPattern is a glob element in filepath.Match's syntax: glibc's "[!"
// negation is "[^" there.
func goPattern(p string) string {
	return strings.ReplaceAll(p, "[!", "[^")
}

// isDir reports whether path is a directory, following symbolic links.
func isDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// splitLast splits a pattern at its last unescaped "/": the directory part
// with its slash, and the last element.
func splitLast(pattern string) (dir, file string) {
	i := strings.LastIndexByte(pattern, '/')
	for i > 0 && pattern[i-1] == '\\' {
		i = strings.LastIndexByte(pattern[:i-1], '/')
	}
	if i < 0 {
		return "", pattern
	}
	return pattern[:i+1], pattern[i+1:]
}

// hasMeta reports an unescaped *, ? or [ in a pattern.
func hasMeta(p string) bool { return hasUnescaped(p, "*?[") }

// hasBrace reports an unescaped "{" in a pattern.
func hasBrace(p string) bool { return hasUnescaped(p, "{") }

// hasUnescaped reports a byte of set in p that no backslash escapes.
func hasUnescaped(p, set string) bool {
	for i := 0; i < len(p); i++ {
		switch {
		case p[i] == '\\':
			i++
		case strings.IndexByte(set, p[i]) >= 0:
			return true
		}
	}
	return false
}

// unescape removes glob's backslash escapes.
func unescape(p string) string {
	if !strings.Contains(p, `\`) {
		return p
	}
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' && i+1 < len(p) {
			i++
		}
		b.WriteByte(p[i])
	}
	return b.String()
}

// escapeMeta escapes a literal path for use as a pattern.
func escapeMeta(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`*?[\{`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// expandBraces expands the first unescaped {a,b,...} with a matching close
// brace into one pattern per alternative, recursively, in the order
// written, as glibc's GLOB_BRACE does; nested braces are alternatives'
// own. A pattern without a balanced brace is returned as it is.
func expandBraces(p string) []string {
	open := -1
	for i := 0; i < len(p); i++ {
		if p[i] == '\\' {
			i++
			continue
		}
		if p[i] == '{' {
			open = i
			break
		}
	}
	if open < 0 {
		return []string{p}
	}
	var alts []string
	depth, start := 0, open+1
	for i := open + 1; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '{':
			depth++
		case ',':
			if depth == 0 {
				alts = append(alts, p[start:i])
				start = i + 1
			}
		case '}':
			if depth > 0 {
				depth--
				continue
			}
			alts = append(alts, p[start:i])
			var out []string
			for _, a := range alts {
				out = append(out, expandBraces(p[:open]+a+p[i+1:])...)
			}
			return out
		}
	}
	return []string{p} // no matching "}": glibc reads the pattern as written
}
