package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/nlstress/nlstress/pkg/roottest"
	"golang.org/x/sys/unix"
)

// inode returns the namespace inode of the calling thread.
func inode(t *testing.T) uint64 {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
		t.Fatal(err)
	}
	return st.Ino
}

func testName(t *testing.T) string {
	return fmt.Sprintf("nls-test%d-%s", os.Getpid(), filepath.Base(t.Name()))
}

func TestNewDoDelete(t *testing.T) {
	roottest.Require(t)
	name := testName(t)
	ns, err := New(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Close(); _ = Delete(name) })

	home := inode(t)
	var inside uint64
	if err := ns.Do(func() error {
		var st unix.Stat_t
		if err := unix.Stat("/proc/thread-self/ns/net", &st); err != nil {
			return err
		}
		inside = st.Ino
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var nsStat unix.Stat_t
	if err := unix.Fstat(ns.Fd(), &nsStat); err != nil {
		t.Fatal(err)
	}
	if inside != nsStat.Ino {
		t.Fatalf("Do ran in netns inode %d, want %d", inside, nsStat.Ino)
	}
	if inside == home {
		t.Fatal("Do ran in the caller's namespace")
	}
	if got := inode(t); got != home {
		t.Fatalf("caller's thread moved to netns %d", got)
	}

	names, err := List("nls-test")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range names {
		found = found || n == name
	}
	if !found {
		t.Fatalf("List = %v, missing %s", names, name)
	}

	if _, err := New(name); !errors.Is(err, ErrExist) {
		t.Fatalf("second New(%s) = %v, want ErrExist", name, err)
	}
	if err := Delete(name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(Path(name)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s still exists after Delete: %v", Path(name), err)
	}
	if err := Delete(name); !errors.Is(err, ErrNotExist) {
		t.Fatalf("second Delete = %v, want ErrNotExist", err)
	}
	if _, err := Open(name); !errors.Is(err, ErrNotExist) {
		t.Fatalf("Open after Delete = %v, want ErrNotExist", err)
	}
}

func TestOpenRejectsPlainFile(t *testing.T) {
	roottest.Require(t)
	if err := ensureDir(); err != nil {
		t.Fatal(err)
	}
	name := testName(t)
	if err := os.WriteFile(Path(name), nil, 0o444); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(Path(name)) })
	if _, err := Open(name); err == nil {
		t.Fatal("Open of a plain file succeeded")
	}
	if err := Delete(name); err != nil {
		t.Fatalf("Delete of a leftover plain file: %v", err)
	}
}

func TestNewAnonymous(t *testing.T) {
	roottest.Require(t)
	ns, err := NewAnonymous()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if ns.Name() != "" {
		t.Fatalf("anonymous namespace has name %q", ns.Name())
	}
	var st unix.Stat_t
	if err := unix.Fstat(ns.Fd(), &st); err != nil {
		t.Fatal(err)
	}
	if st.Ino == inode(t) {
		t.Fatal("anonymous namespace is the caller's")
	}
}

func TestInvalidNames(t *testing.T) {
	for _, name := range []string{"", ".", "..", "a/b", "../etc"} {
		if _, err := New(name); err == nil {
			t.Errorf("New(%q) succeeded", name)
		}
		if err := Delete(name); err == nil {
			t.Errorf("Delete(%q) succeeded", name)
		}
	}
}
