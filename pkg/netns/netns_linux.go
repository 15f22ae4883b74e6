package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// Dir is where named network namespaces live, as for iproute2.
const Dir = "/run/netns"

// ErrExist is returned by New when a namespace of that name already exists.
var ErrExist = errors.New("network namespace already exists")

// ErrNotExist is returned by Open and Delete when no namespace has that name.
var ErrNotExist = errors.New("network namespace does not exist")

func init() {
	// Keep the main goroutine on the main thread (m0) for the life of the
	// process, so that no namespace switch can ever happen on it.
	runtime.LockOSThread()
}

// NS is an open handle on a network namespace. The namespace lives at least
// as long as the handle is open, even after Delete removes its name.
type NS struct {
	name string
	f    *os.File
}

// Name is the namespace's name under Dir, or "" for an anonymous namespace.
func (n *NS) Name() string { return n.name }

// Fd is the namespace file descriptor, for setns(2), netlink.Config.NetNS or
// IFLA_NET_NS_FD. It is valid until Close.
func (n *NS) Fd() int { return int(n.f.Fd()) }

// Close releases the handle. A named namespace stays until Delete; an
// anonymous one is destroyed by the kernel once nothing else refers to it.
func (n *NS) Close() error { return n.f.Close() }

// Path is the namespace's file under Dir.
func Path(name string) string { return filepath.Join(Dir, name) }

// validName rejects names that would escape Dir or that ip(8) refuses.
func validName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 255 {
		return fmt.Errorf("invalid network namespace name %q", name)
	}
	return nil
}

// New creates a network namespace called name, bind-mounts it under Dir so
// ip(8) sees it, and returns an open handle. Dir is made a shared mount
// first, as iproute2 does, so the mount propagates to other mount namespaces.
// It fails with ErrExist if the name is taken, and leaves nothing behind on
// any failure.
func New(name string) (*NS, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	if err := ensureDir(); err != nil {
		return nil, err
	}
	path := Path(name)
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create netns %s: %w", name, ErrExist)
		}
		return nil, fmt.Errorf("create netns %s: %w", name, err)
	}
	f.Close()

	err = onNewThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare: %w", err)
		}
		if err := unix.Mount("/proc/thread-self/ns/net", path, "none", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("bind-mount on %s: %w", path, err)
		}
		return nil
	})
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("create netns %s: %w", name, err)
	}
	ns, err := Open(name)
	if err != nil {
		_ = Delete(name)
		return nil, err
	}
	return ns, nil
}

// NewAnonymous creates a network namespace with no name. It disappears when
// the returned handle is closed and nothing else refers to it, so it cannot
// leak even if the process is killed.
func NewAnonymous() (*NS, error) {
	var ns *NS
	err := onNewThread(func() error {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("unshare: %w", err)
		}
		f, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			return err
		}
		ns = &NS{f: f}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create anonymous netns: %w", err)
	}
	return ns, nil
}

// Open returns a handle on the namespace called name. It fails with
// ErrNotExist if there is none.
func Open(name string) (*NS, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	f, err := os.Open(Path(name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("open netns %s: %w", name, ErrNotExist)
		}
		return nil, fmt.Errorf("open netns %s: %w", name, err)
	}
	var st unix.Statfs_t
	if err := unix.Fstatfs(int(f.Fd()), &st); err != nil || st.Type != unix.NSFS_MAGIC {
		f.Close()
		return nil, fmt.Errorf("open netns %s: %s is not a namespace mount (a leftover file?)", name, Path(name))
	}
	return &NS{name: name, f: f}, nil
}

// Delete unmounts and removes the namespace's name. The namespace itself is
// destroyed by the kernel once no process, socket or handle refers to it.
// It fails with ErrNotExist if there is no such name.
func Delete(name string) error {
	if err := validName(name); err != nil {
		return err
	}
	path := Path(name)
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) {
		if errors.Is(err, unix.ENOENT) {
			return fmt.Errorf("delete netns %s: %w", name, ErrNotExist)
		}
		return fmt.Errorf("delete netns %s: unmount: %w", name, err)
	}
	if err := os.Remove(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("delete netns %s: %w", name, ErrNotExist)
		}
		return fmt.Errorf("delete netns %s: %w", name, err)
	}
	return nil
}

// List returns the names under Dir that start with prefix, sorted.
// A missing Dir is an empty list.
func List(prefix string) ([]string, error) {
	entries, err := os.ReadDir(Dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("list %s: %w", Dir, err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

// ensureDir creates Dir and makes it a shared mount point, as iproute2 does:
// first try to mark it shared; if it is not a mount point yet, bind-mount it
// onto itself and try again.
func ensureDir() error {
	if err := os.MkdirAll(Dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", Dir, err)
	}
	for {
		err := unix.Mount("", Dir, "none", unix.MS_SHARED|unix.MS_REC, "")
		if err == nil {
			return nil
		}
		if !errors.Is(err, unix.EINVAL) {
			return fmt.Errorf("make %s a shared mount: %w", Dir, err)
		}
		if err := unix.Mount(Dir, Dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("bind-mount %s onto itself: %w", Dir, err)
		}
	}
}
