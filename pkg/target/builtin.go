package target

import "fmt"

// Builtin is nlstress's own VRRP engine (RFC 5798, with keepalived's FAULT
// semantics), in a process of its own in the subject namespace: its reads
// are counted, its monitor's overrun policy and costs are the scenario's.
const Builtin Name = "builtin"

// KeepalivedDefaultRcvBuf is the monitor buffer keepalived 2.2.7 asks for
// when its configuration sets no vrrp_netlink_monitor_rcv_bufs: 64 KiB with
// plain SO_RCVBUF (so capped by net.core.rmem_max); the kernel doubles it
// to 131072. Measured: ss -m shows rb131072 on keepalived's monitor socket
// with no rcv_bufs lines. The engine, which models keepalived, has it too.
const KeepalivedDefaultRcvBuf = 64 << 10

var builtin = Traits{
	Name:          Builtin,
	Summary:       "nlstress's own VRRP engine, modelled on keepalived",
	DefaultBuffer: KeepalivedDefaultRcvBuf,
	Notifies:      true,
	Setting: func(request int64, force, dflt bool) string {
		if dflt {
			return fmt.Sprintf("keepalived's default buffer (SO_RCVBUF %d)", request)
		}
		return socketOption(request, force, dflt)
	},
	// The engine stands for keepalived: its buffer goes where keepalived's
	// does.
	Paste: KeepalivedLines,
}
