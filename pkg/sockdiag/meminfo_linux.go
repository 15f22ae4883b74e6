package sockdiag

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// MemInfo is a socket's own memory counters, from getsockopt(SO_MEMINFO).
type MemInfo struct {
	Rmem   uint32 // truesize queued now, bytes
	RcvBuf uint32 // effective receive buffer, bytes
	Drops  uint32 // sk_drops
}

// ReadMemInfo reads SO_MEMINFO on a socket the caller holds: the same
// figures as List gives, in one syscall and without a dump.
func ReadMemInfo(fd int) (MemInfo, error) {
	var v [unix.SK_MEMINFO_VARS]uint32
	l := uint32(unsafe.Sizeof(v))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_MEMINFO,
		uintptr(unsafe.Pointer(&v[0])), uintptr(unsafe.Pointer(&l)), 0)
	if e != 0 {
		return MemInfo{}, fmt.Errorf("sockdiag: getsockopt SO_MEMINFO: %w", e)
	}
	return MemInfo{Rmem: v[unix.SK_MEMINFO_RMEM_ALLOC], RcvBuf: v[unix.SK_MEMINFO_RCVBUF], Drops: v[unix.SK_MEMINFO_DROPS]}, nil
}
