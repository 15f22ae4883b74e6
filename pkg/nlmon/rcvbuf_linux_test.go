package nlmon

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/roottest"
)

// TestGrantedIsTheKernels asks this kernel for each buffer as keepalived
// does (a C int, forced and plain) and reads back what it granted:
// Granted must predict it, 2^31 and more included (a negative int, which
// the kernel turns into its minimum).
func TestGrantedIsTheKernels(t *testing.T) {
	roottest.Require(t) // SO_RCVBUFFORCE needs CAP_NET_ADMIN
	b, err := os.ReadFile("/proc/sys/net/core/rmem_max")
	if err != nil {
		t.Fatal(err)
	}
	rmemMax, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	for _, request := range []int64{1, 65536, 1000000, 1 << 30, 1<<31 - 1, 1 << 31, 3_000_000_000, 1<<32 - 1} {
		for _, force := range []bool{true, false} {
			opt := unix.SO_RCVBUF
			if force {
				opt = unix.SO_RCVBUFFORCE
			}
			// As keepalived passes it: the configured unsigned as a C int.
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, int(int32(uint32(request)))); err != nil {
				t.Fatalf("request %d force %v: %v", request, force, err)
			}
			got, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
			if err != nil {
				t.Fatal(err)
			}
			if want := Granted(request, force, rmemMax); int64(got) != want {
				t.Errorf("request %d force %v: the kernel granted %d, Granted says %d", request, force, got, want)
			}
		}
	}
}
