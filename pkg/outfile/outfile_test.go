package outfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func write(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

func TestRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	for _, tt := range []struct {
		name, path string
	}{
		{"a device", "/dev/full"},
		{"a directory", dir},
		{"a FIFO", fifo},
		{"a link to a device", link(t, dir, "/dev/null")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before, _ := os.Lstat(tt.path)
			if err := Check(tt.path); !errors.Is(err, ErrNotRegular) {
				t.Fatalf("Check(%s) = %v, want ErrNotRegular", tt.path, err)
			}
			if err := Write(tt.path, write("x")); !errors.Is(err, ErrNotRegular) {
				t.Fatalf("Write(%s) = %v, want ErrNotRegular", tt.path, err)
			}
			after, err := os.Lstat(tt.path)
			if err != nil || after.Mode() != before.Mode() {
				t.Fatalf("%s changed: %v -> %v (%v)", tt.path, before.Mode(), after.Mode(), err)
			}
		})
	}
}

func TestMissingDirectoryFailsTheCheck(t *testing.T) {
	err := Check("/nonexistent/dir/x.json")
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/dir/x.json") {
		t.Fatalf("Check = %v, want an error naming the path", err)
	}
}

func TestWritesRegularFilesAtomicallyAndFollowsLinks(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "r.json")
	if err := Write(f, write("one")); err != nil {
		t.Fatal(err)
	}
	os.Chmod(f, 0o600)
	if err := Write(f, write("two")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(f); string(b) != "two" {
		t.Fatalf("content %q", b)
	}
	if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want the old file's 0600 kept", fi.Mode())
	}
	// A failed write leaves the old file.
	if err := Write(f, func(io.Writer) error { return errors.New("boom") }); err == nil {
		t.Fatal("a failing writer reported success")
	}
	if b, _ := os.ReadFile(f); string(b) != "two" {
		t.Fatalf("a failed write changed the file: %q", b)
	}
	// A link is followed: its target is replaced, the link stays.
	l := link(t, dir, f)
	if err := Write(l, write("three")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(l); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced by a file")
	}
	if b, _ := os.ReadFile(f); string(b) != "three" {
		t.Fatalf("target content %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".nlstress-*")); len(left) != 0 {
		t.Fatalf("temporary files left: %v", left)
	}
}

func link(t *testing.T, dir, to string) string {
	t.Helper()
	l := filepath.Join(dir, "link-"+filepath.Base(to))
	if err := os.Symlink(to, l); err != nil {
		t.Fatal(err)
	}
	return l
}
