// Package outfile writes nlstress's output files (--save, --csv, --chart,
// --junit) safely: the path is checked before any work starts, and the
// file is replaced atomically (a temporary file in the same directory,
// renamed over it), so a reader never sees half of it and a failed run
// leaves the old one. Only regular files, or paths that do not exist yet,
// are written: a directory, a device, a FIFO or a socket is refused, never
// replaced. A symbolic link is followed: the file it points to is
// replaced, and the link stays.
package outfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrNotRegular is wrapped by the error for a path that exists and is not
// a regular file (a directory, a device such as /dev/full, a FIFO).
var ErrNotRegular = errors.New("not a regular file")

// resolve returns the path to write: path itself, or what a symbolic link
// at path points to; and the existing file's mode (0 if none).
func resolve(path string) (string, fs.FileMode, error) {
	target := path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(path)
		if err != nil {
			// A dangling link: write where it points.
			l, lerr := os.Readlink(path)
			if lerr != nil {
				return "", 0, lerr
			}
			if !filepath.IsAbs(l) {
				l = filepath.Join(filepath.Dir(path), l)
			}
			t = l
		}
		target = t
	}
	fi, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return target, 0, nil
	case err != nil:
		return "", 0, err
	case !fi.Mode().IsRegular():
		return "", 0, fmt.Errorf("%w: it is %s", ErrNotRegular, kind(fi.Mode()))
	}
	return target, fi.Mode().Perm(), nil
}

// Check reports, before any work, whether path can be written: it exists
// as a regular file (or a link to one) or not at all, and its directory
// takes a new file. An empty path is fine (nothing is written). The error
// is one line naming the path.
func Check(path string) error {
	if path == "" {
		return nil
	}
	target, _, err := resolve(path)
	if err != nil {
		return fmt.Errorf("output file %s: %w", path, err)
	}
	dir := filepath.Dir(target)
	tmp, err := os.CreateTemp(dir, ".nlstress-check-*")
	if err != nil {
		// The error names the probe's random name: say the directory and
		// the reason instead.
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("output file %s: cannot write in its directory %s: %w", path, dir, err)
	}
	tmp.Close()
	return os.Remove(tmp.Name())
}

// Write writes what fn produces to path atomically: into a temporary file
// in the same directory, synced, then renamed over the file (keeping an
// existing file's permissions). An empty path writes nothing. On any
// error the old file is left as it was.
func Write(path string, fn func(io.Writer) error) error {
	if path == "" {
		return nil
	}
	target, mode, err := resolve(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if mode == 0 {
		mode = 0o644
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), ".nlstress-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if err := fn(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// kind names what a file that is not a regular one is, in words.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return "not a regular file"
}
