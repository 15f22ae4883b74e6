package keepalived

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// The notify FIFO's pipe is grown to fifoSize, so that keepalived's
// non-blocking writes of thousands of transitions at start find room.
func TestGrowFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	growFIFO(f)
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var size int
	var gerr error
	if err := rc.Control(func(fd uintptr) { size, gerr = unix.FcntlInt(fd, unix.F_GETPIPE_SZ, 0) }); err != nil || gerr != nil {
		t.Fatalf("F_GETPIPE_SZ: %v, %v", err, gerr)
	}
	if size < fifoSize {
		t.Fatalf("the FIFO's pipe holds %d bytes, want at least %d", size, fifoSize)
	}
}
