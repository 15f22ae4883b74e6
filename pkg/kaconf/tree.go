package kaconf

import (
	"fmt"
	"strings"
)

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

// Text is the statement as one line: keyword and arguments.
func (n *Node) Text() string {
	return strings.TrimSpace(n.Keyword + " " + strings.Join(n.Args, " "))
}

// File is a configuration read into statements.
type File struct {
	Nodes []*Node
	// Warnings are what keepalived would warn about and go on: an
	// include that matches no file.
	Warnings []string
	// ConfigID is the configuration id @ID lines were read with.
	ConfigID string
}

// ParseFile reads a keepalived configuration and its includes into
// statements. Errors wrap ErrConfig and name the file and line.
func ParseFile(path string, opt Options) (File, error) {
	r := newReader(opt)
	if err := r.readFile(path, 0); err != nil {
		return File{}, err
	}
	nodes, err := build(r.out)
	if err != nil {
		return File{}, err
	}
	return File{Nodes: nodes, Warnings: r.warnings, ConfigID: r.id}, nil
}

// build nests logical lines into statements: a "{" opens a block for the
// statement just before it (on its line or the line above), "}" closes it.
func build(lines []line) ([]*Node, error) {
	type frame struct {
		nodes *[]*Node
		open  line
	}
	var top []*Node
	stack := []frame{{nodes: &top}}
	var last *Node // the statement just read, which a "{" may open
	for _, l := range lines {
		switch l.text {
		case "{":
			if last == nil || last.Block != nil {
				return nil, errorf(l.file, l.num, "unexpected '{': no keyword before it")
			}
			last.Block = []*Node{}
			stack = append(stack, frame{nodes: &last.Block, open: l})
			last = nil
			continue
		case "}":
			if len(stack) == 1 {
				return nil, errorf(l.file, l.num, "extra '}' with no block open")
			}
			stack = stack[:len(stack)-1]
			last = nil
			continue
		}
		words, err := fields(l.text)
		if err != nil {
			return nil, errorf(l.file, l.num, "%v", err)
		}
		n := &Node{Keyword: words[0], Args: words[1:], File: l.file, Line: l.num}
		cur := stack[len(stack)-1].nodes
		*cur = append(*cur, n)
		last = n
	}
	if len(stack) > 1 {
		open := stack[len(stack)-1].open
		return nil, errorf(open.file, open.num, "block opened here is never closed (%d missing '}')", len(stack)-1)
	}
	return top, nil
}

// fields splits a statement into words as keepalived does: blanks
// separate, and a double-quoted string is one word without its quotes.
func fields(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t':
			i++
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, fmt.Errorf("unmatched quote in %q", s)
			}
			out = append(out, s[i+1:i+1+j])
			i += j + 2
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != '\t' && s[j] != '"' {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}
