package kaconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// includeTree writes the tree that keepalived 2.2.7 was run on to learn
// its include rules (each file one instance, named as the file):
// inc/a.conf, inc/b.conf, inc/.h.conf (hidden), inc/x.conf (executable),
// "inc/c d.conf" (a space), inc/e.cfg and inc/d.conf/ (a directory).
func includeTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "inc", "d.conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, f := range []struct{ name, inst string }{
		{"a.conf", "A"}, {"b.conf", "B"}, {".h.conf", "H"}, {"x.conf", "X"}, {"c d.conf", "CD"}, {"e.cfg", "E"},
	} {
		text := "vrrp_instance " + f.inst + " {\n interface eth2\n virtual_router_id " + string(rune('1'+i)) + "\n virtual_ipaddress {\n 10.0.0.1\n }\n}\n"
		if err := writeFile(filepath.Join(dir, "inc", f.name), text); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(filepath.Join(dir, "inc", "x.conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestIncludeAsKeepalivedReadsIt: each case is what keepalived 2.2.7's
// --dump-conf listed for the same include line on the same tree.
func TestIncludeAsKeepalivedReadsIt(t *testing.T) {
	dir := includeTree(t)
	for _, tt := range []struct {
		line      string
		want      []string // instances, in the order read
		wantErr   string
		wantWarns int
	}{
		{line: "include inc/{a,b}.conf", want: []string{"A", "B"}},
		// Braces keep the order written; the alternative that names no
		// file is a warning.
		{line: "include inc/{b,a,zz}.conf", want: []string{"B", "A"}, wantWarns: 1},
		// With includeb it is an error, and nothing of the pattern is read.
		{line: "includeb inc/{b,a,zz}.conf", wantErr: "some files it names do not exist"},
		// * skips hidden files; a directory and an executable file match
		// and are skipped with a warning; a space is part of the name.
		{line: "include inc/*.conf", want: []string{"A", "B", "CD"}, wantWarns: 2},
		{line: "includer inc/*.conf", wantErr: "is a directory"},
		{line: "include inc/c d.conf", want: []string{"CD"}},
		{line: "include inc/.*.conf", want: []string{"H"}},
		{line: "include inc/?.c[fo]*", want: []string{"A", "B", "E"}, wantWarns: 2},
		// "!" starts a comment, even inside a bracket expression.
		{line: "include inc/[!a]*.conf", wantWarns: 1},
		{line: "include inc/*.nothing", wantWarns: 1},
		{line: "includew inc/*.nothing", wantErr: "no file matches"},
		{line: "include inc/missing.conf", wantWarns: 1},
		{line: "includem inc/missing.conf", wantErr: "does not exist"},
		{line: "include nodir/*.conf", wantWarns: 1},
		{line: "includem nodir/*.conf", wantErr: "does not exist"},
		{line: "include */{a,e}.c*", want: []string{"A", "E"}},
	} {
		t.Run(tt.line, func(t *testing.T) {
			main := filepath.Join(dir, "main.conf")
			if err := writeFile(main, tt.line+"\n"); err != nil {
				t.Fatal(err)
			}
			c, err := Read(main, Options{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "main.conf:1:") {
					t.Fatalf("err = %v; want main.conf:1: ... %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, in := range c.Instances {
				got = append(got, in.Name)
			}
			if !reflect.DeepEqual(got, tt.want) || len(c.Warnings) != tt.wantWarns {
				t.Fatalf("instances %q, warnings %q; want %q and %d warnings", got, c.Warnings, tt.want, tt.wantWarns)
			}
		})
	}
}

func TestExpandBraces(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
	}{
		{"a", []string{"a"}},
		{"a{b,c}d", []string{"abd", "acd"}},
		{"{a,b}{1,2}", []string{"a1", "a2", "b1", "b2"}},
		{"x{a,{b,c}}y", []string{"xay", "xby", "xcy"}},
		{"x{,a}", []string{"x", "xa"}},
		{`x\{a,b}`, []string{`x\{a,b}`}},
		{"x{a,b", []string{"x{a,b"}},
	} {
		if got := expandBraces(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("expandBraces(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
