package target

import "fmt"

// Exec is any VRRP daemon, started by --target-cmd and observed only from
// outside: on the wire and through sock_diag.
const Exec Name = "exec"

var exec = Traits{
	Name:      Exec,
	Summary:   "any VRRP daemon, started by --target-cmd",
	Outside:   true,
	Wire:      true,
	Command:   true,
	OwnBuffer: true,
	Setting: func(request int64, force, dflt bool) string {
		if dflt {
			return "the daemon's own buffer (NLS_RCVBUF=0)"
		}
		return fmt.Sprintf("NLS_RCVBUF=%d, as the daemon applies it", request)
	},
	Paste: func(request int64) Paste {
		return Paste{Where: "the daemon's monitor socket (the kernel doubles the value)", Lines: []string{
			fmt.Sprintf("setsockopt(SO_RCVBUFFORCE, %d)", request),
		}}
	},
}
