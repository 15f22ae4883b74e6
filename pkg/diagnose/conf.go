package diagnose

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ErrConfig is wrapped by every error reading a keepalived configuration:
// an unreadable file, an include that cannot be read, unbalanced braces.
var ErrConfig = errors.New("keepalived configuration")

// Node is one statement of a keepalived configuration: a keyword with its
// arguments, and a block of statements when it opens one.
type Node struct {
	Keyword string
	Args    []string
	Block   []*Node // nil when the statement has no block
	File    string
	Line    int
}

// Arg is the i-th argument, or "".
func (n *Node) Arg(i int) string {
	if i < len(n.Args) {
		return n.Args[i]
	}
	return ""
}

// maxIncludeDepth stops include loops.
const maxIncludeDepth = 8

// ParseFile reads a keepalived configuration the way keepalived's own
// reader does for this job: statements one per line, blocks in braces,
// comments from # or !, quoted strings, and include with glob patterns
// relative to the including file. Errors name the file and line.
func ParseFile(path string) ([]*Node, error) {
	return parseFile(path, 0)
}

func parseFile(path string, depth int) ([]*Node, error) {
	if depth > maxIncludeDepth {
		return nil, fmt.Errorf("%w: %s: includes nested deeper than %d (a loop?)", ErrConfig, path, maxIncludeDepth)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	p := &parser{file: path, depth: depth}
	nodes, err := p.parse(string(b))
	if err != nil {
		return nil, err
	}
	return nodes, nil
}

type parser struct {
	file  string
	depth int
}

type frame struct {
	nodes *[]*Node
	open  int // line of the opening brace
}

// parse turns a file's text into statements, expanding includes.
func (p *parser) parse(text string) ([]*Node, error) {
	var top []*Node
	stack := []frame{{nodes: &top}}
	for i, raw := range strings.Split(text, "\n") {
		line := i + 1
		toks, err := tokens(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: %v", ErrConfig, p.file, line, err)
		}
		for len(toks) > 0 {
			switch toks[0] {
			case "{":
				return nil, fmt.Errorf("%w: %s:%d: a block with no keyword before it", ErrConfig, p.file, line)
			case "}":
				if len(stack) == 1 {
					return nil, fmt.Errorf("%w: %s:%d: '}' with no block open", ErrConfig, p.file, line)
				}
				stack = stack[:len(stack)-1]
				toks = toks[1:]
				continue
			}
			// A statement runs to the end of the line or to a brace.
			n := &Node{Keyword: toks[0], File: p.file, Line: line}
			j := 1
			for j < len(toks) && toks[j] != "{" && toks[j] != "}" {
				n.Args = append(n.Args, toks[j])
				j++
			}
			toks = toks[j:]
			cur := stack[len(stack)-1].nodes
			if n.Keyword == "include" {
				inc, err := p.include(n)
				if err != nil {
					return nil, err
				}
				*cur = append(*cur, inc...)
				continue
			}
			*cur = append(*cur, n)
			if len(toks) > 0 && toks[0] == "{" {
				n.Block = []*Node{}
				stack = append(stack, frame{nodes: &n.Block, open: line})
				toks = toks[1:]
			}
		}
	}
	if len(stack) > 1 {
		return nil, fmt.Errorf("%w: %s:%d: block opened here is never closed", ErrConfig, p.file, stack[len(stack)-1].open)
	}
	return top, nil
}

// include expands "include PATTERN": files matching the glob, relative to
// the including file, in name order. A pattern matching nothing is an
// error only when it names no wildcard (keepalived warns likewise).
func (p *parser) include(n *Node) ([]*Node, error) {
	if len(n.Args) == 0 {
		return nil, fmt.Errorf("%w: %s:%d: include with no file", ErrConfig, p.file, n.Line)
	}
	var out []*Node
	for _, pat := range n.Args {
		if !filepath.IsAbs(pat) {
			pat = filepath.Join(filepath.Dir(p.file), pat)
		}
		matches, err := filepath.Glob(pat)
		if err != nil {
			return nil, fmt.Errorf("%w: %s:%d: include %s: %v", ErrConfig, p.file, n.Line, pat, err)
		}
		if len(matches) == 0 && !strings.ContainsAny(pat, "*?[") {
			return nil, fmt.Errorf("%w: %s:%d: include %s: no such file", ErrConfig, p.file, n.Line, pat)
		}
		sort.Strings(matches)
		for _, m := range matches {
			nodes, err := parseFile(m, p.depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, nodes...)
		}
	}
	return out, nil
}

// tokens splits a line into words, braces and quoted strings, dropping
// comments (# or ! outside quotes).
func tokens(line string) ([]string, error) {
	var out []string
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == '#' || c == '!':
			return out, nil
		case c == '{' || c == '}':
			out = append(out, string(c))
			i++
		case c == '"':
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 {
				return nil, errors.New("unterminated quoted string")
			}
			out = append(out, line[i+1:i+1+j])
			i += j + 2
		default:
			j := i
			for j < len(line) && !strings.ContainsRune(" \t\r{}\"", rune(line[j])) {
				j++
			}
			out = append(out, line[i:j])
			i = j
		}
	}
	return out, nil
}
