package kaconf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// parseText is ParseFile for text in memory.
func parseText(name, text string) ([]*Node, error) {
	r := newReader(Options{})
	if err := r.readText(name, text, 0); err != nil {
		return nil, err
	}
	return build(r.out)
}

// flat is the statements as "keyword args" lines, blocks nested as
// "parent/child".
func flat(nodes []*Node, prefix string) []string {
	var out []string
	for _, n := range nodes {
		out = append(out, prefix+n.Text())
		out = append(out, flat(n.Block, prefix+n.Keyword+"/")...)
	}
	return out
}

func TestReader(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"braces on one line", "a { b 1 } c", []string{"a", "a/b 1", "c"}},
		{"brace on its own line", "a\n{\nb\n}\n", []string{"a", "a/b"}},
		{"quoted brace and comment", "a \"x { # y\" # z\n", []string{"a x { # y"}},
		{"escaped comment characters", `a b\#c d\!e`, []string{"a b#c d!e"}},
		{"bang comment", "a b ! c", []string{"a b"}},
		{"definition", "$X=eth2\na $X", []string{"a eth2"}},
		{"braced reference", "$X=10.0\na ${X}.1/24", []string{"a 10.0.1/24"}},
		{"reference ends at comma and paren", "$X=1\na $X,$X)", []string{"a 1,1)"}},
		{"no reference before a dot", "$X=1\na $X.2", []string{"a $X.2"}},
		{"undefined name stays", "a $Y", []string{"a $Y"}},
		{"reference in a reference", "$A=$B\n$B=2\nx $A", []string{"x 2"}},
		// A replacement is decommented again, as keepalived does: $_HASH
		// gives a # only inside quotes.
		{"standard definitions", `a "${_HASH}" b $_BANG c`, []string{"a # b"}},
		{"continued definition", "$D=a 1 \\\n  b 2\n\n$D", []string{"a 1", "b 2"}},
		{"continued definition only at end of line", "$D=a \\\n b\n\nx $D y", []string{"x $D y"}},
		{"seq of one number", "~SEQ(N, 3) v $N", []string{"v 1", "v 2", "v 3"}},
		{"seq down", "~SEQ(N, 3, 1) v $N", []string{"v 3", "v 2", "v 1"}},
		{"seq with step", "~SEQ(N, 0, 5, 12) v $N", []string{"v 0", "v 5", "v 10"}},
		{"seq in hex", "~SEQx(N, 9, 11) v $N", []string{"v 9", "v a", "v b"}},
		{"seq leaves its variable", "~SEQ(N, 2)\nv $N", []string{"v 2"}},
		{"seq of a block", "$B=i ${N} { \\\n x ${N} \\\n}\n\n~SEQ(N, 2) $B", []string{"i 1", "i/x 1", "i 2", "i/x 2"}},
		{"seq bounds from definitions", "$M=2\n~SEQ(N, $M) v $N", []string{"v 1", "v 2"}},
		{"another host's id", "@nls-not-this-host x\n@^nls-not-this-host y", []string{"y"}},
		{"backslash kept outside definitions", "a b\\", []string{`a b\`}},
		{"crlf", "a {\r\n b\r\n}\r\n", []string{"a", "a/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nodes, err := parseText("t.conf", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if got := flat(nodes, ""); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct{ name, text, want string }{
		{"unclosed block", "a {\n b\n", "t.conf:1: block opened here is never closed"},
		{"extra brace", "a {\n}\n}\n", "t.conf:3: extra '}'"},
		{"brace without keyword", "{\n}\n", "t.conf:1: unexpected '{'"},
		{"second block", "a { } { }", "t.conf:1: unexpected '{'"},
		{"unterminated quote", "a\nb \"c\n", "t.conf:2: unterminated quote"},
		{"bad seq", "~SEQ(N) x", "t.conf:1: invalid ~SEQ"},
		{"seq step the wrong way", "~SEQ(N, 1, -1, 3) x", "t.conf:1: invalid ~SEQ values"},
		{"seq of letters", "~SEQ(N, a) x", `t.conf:1: invalid ~SEQ "~SEQ(N, a) x": "a" is not a number`},
		{"seqx of negatives", "~SEQx(N, -3) x", "t.conf:1: ~SEQx"},
		{"lst", "~LST({a}, {1}) x $a", "t.conf:1: ~LST is not supported"},
		{"self reference", "$A=x $A\ny $A", "t.conf:2: definitions expand more than"},
		{"huge seq", "~SEQ(N, 1, 1, 99999999999) x", "t.conf:1: ~SEQ \"~SEQ(N, 1, 1, 99999999999) x\": more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseText("t.conf", tt.text)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err = %v; want one line wrapping ErrConfig with %q", err, tt.want)
			}
		})
	}
}

func TestIncludeLoop(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/a.conf"
	if err := writeFile(p, "include a.conf\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseFile(p, Options{}); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "loop") {
		t.Fatalf("include loop: %v", err)
	}
}

func TestConfigIDOption(t *testing.T) {
	dir := t.TempDir()
	p := dir + "/a.conf"
	if err := writeFile(p, "@a x\n@^a y\n@b z\n"); err != nil {
		t.Fatal(err)
	}
	f, err := ParseFile(p, Options{ConfigID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := flat(f.Nodes, ""); !reflect.DeepEqual(got, []string{"x"}) {
		t.Fatalf("with config id a: %q", got)
	}
}

// TestConfigIDDefaultsToHostName: without --config-id keepalived's id is
// the host's name up to its first dot, so "@<host>" lines are read and
// "@^<host>" lines dropped.
func TestConfigIDDefaultsToHostName(t *testing.T) {
	host := HostConfigID()
	if host == "" || strings.Contains(host, ".") {
		t.Fatalf("HostConfigID() = %q: want the host's name up to its first dot", host)
	}
	p := filepath.Join(t.TempDir(), "a.conf")
	if err := writeFile(p, "@"+host+" x\n@^"+host+" y\n@nls-other z\n"); err != nil {
		t.Fatal(err)
	}
	f, err := ParseFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := flat(f.Nodes, ""); !reflect.DeepEqual(got, []string{"x"}) || f.ConfigID != host {
		t.Fatalf("on host %q: %q read with id %q; want [x] with id %q", host, got, f.ConfigID, host)
	}
}

func FuzzRead(f *testing.F) {
	f.Add("global_defs {\n router_id x # c\n}\nvrrp_instance VI_1 {\n interface eth2\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.1/24\n }\n}\n")
	f.Add("$B=i ${N} { \\\n x ${N} \\\n}\n\n~SEQ(N, 2) $B\n")
	f.Add("a { b { c \"d e\" } } ! x\n@^x y\n~SEQx(N, 1, 2, 9) v $N\n")
	f.Fuzz(func(t *testing.T, text string) {
		nodes, err := parseText("fuzz.conf", text)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error does not wrap ErrConfig: %v", err)
			}
			return
		}
		if _, err := Extract(nodes); err != nil && !errors.Is(err, ErrConfig) {
			t.Fatalf("error does not wrap ErrConfig: %v", err)
		}
	})
}

func writeFile(path, text string) error { return os.WriteFile(path, []byte(text), 0o644) }
