package nlmon

import "math"

// Granted is the receive buffer, in bytes, the kernel grants a socket that
// asks for request bytes: with force (SO_RCVBUFFORCE) the request as is,
// without it (SO_RCVBUF) at most net.core.rmem_max (rmemMax; 0 when not
// known); never more than INT_MAX/2; then doubled for bookkeeping overhead.
// It is the kernel's rule (net/core/sock.c), used to predict what a daemon
// gets from its configuration.
func Granted(request int64, force bool, rmemMax int64) int64 {
	if !force && rmemMax > 0 {
		request = min(request, rmemMax)
	}
	return 2 * min(request, math.MaxInt32/2)
}

// Capped reports whether a plain SO_RCVBUF request was cut down by
// net.core.rmem_max: the buffer read back (effective) is less than twice
// the request. A forced request is never capped.
func Capped(request, effective int64, force bool) bool {
	return !force && request > 0 && effective < 2*request
}
