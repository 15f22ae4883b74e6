package nlmon

import "math"

// SockMinRcvBuf is the smallest receive buffer the kernel grants
// (SOCK_MIN_RCVBUF: 2048 plus an sk_buff), 2304 bytes read back on the
// x86_64 6.x kernels nlstress was measured on.
const SockMinRcvBuf = 2304

// Granted is the receive buffer, in bytes, the kernel grants a socket that
// asks for request bytes: with force (SO_RCVBUFFORCE) the request as is,
// without it (SO_RCVBUF) at most net.core.rmem_max (rmemMax; 0 when not
// known); never more than INT_MAX/2; then doubled for bookkeeping
// overhead, and never less than SockMinRcvBuf. setsockopt takes a C int,
// and keepalived reads up to 2^32-1: a forced request of 2^31 or more
// arrives negative and gets the kernel's minimum, where a plain one is
// compared unsigned with rmem_max and gets that. It is the kernel's rule
// (net/core/sock.c, sk_setsockopt and __sock_set_rcvbuf; checked against
// this kernel by TestGrantedIsTheKernels), used to predict what a daemon
// gets from its configuration.
func Granted(request int64, force bool, rmemMax int64) int64 {
	v := int64(int32(uint32(request))) // what the C int holds
	switch {
	case force:
		v = max(v, 0)
	case rmemMax > 0:
		v = min(int64(uint32(request)), rmemMax)
	}
	if v < 0 {
		return SockMinRcvBuf
	}
	return max(2*min(v, math.MaxInt32/2), SockMinRcvBuf)
}

// Wraps reports whether a buffer request arrives negative at the kernel
// (2^31 or more as a C int): forced, it then gets SockMinRcvBuf.
func Wraps(request int64) bool { return int32(uint32(request)) < 0 }

// Capped reports whether a plain SO_RCVBUF request was cut down by
// net.core.rmem_max: the buffer read back (effective) is less than twice
// the request. A forced request is never capped.
func Capped(request, effective int64, force bool) bool {
	return !force && request > 0 && effective < 2*request
}
