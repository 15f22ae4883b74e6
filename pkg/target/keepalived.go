package target

// Keepalived is the real keepalived, run in the subject namespace from a
// configuration nlstress writes or from the user's own file (a replay).
const Keepalived Name = "keepalived"

var keepalived = Traits{
	Name:          Keepalived,
	Summary:       "keepalived, from a generated configuration or your own",
	Outside:       true,
	Keepalived:    true,
	Notifies:      true,
	OwnVMACs:      true,
	DefaultBuffer: KeepalivedDefaultRcvBuf,
	Owner:         "keepalived's",
	Setting: func(request int64, force, dflt bool) string {
		if dflt {
			return "keepalived's default buffer (no vrrp_netlink_monitor_rcv_bufs)"
		}
		return socketOption(request, force, dflt)
	},
	Paste: KeepalivedLines,
}
