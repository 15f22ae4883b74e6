package nlmon

// Policy is what a consumer does after an overrun (ENOBUFS).
type Policy string

// The overrun policies of daemons in the field.
const (
	// PolicyNone logs and carries on, as keepalived does: a lost "link up"
	// stays lost.
	PolicyNone Policy = "none"
	// PolicyResync discards what is queued, then dumps links and addresses
	// and feeds them to the handler, as NetworkManager and systemd-networkd
	// reconcile.
	PolicyResync Policy = "resync"
	// PolicyRestart reopens the socket and dumps, as FRR's zebra does by
	// exiting and being restarted.
	PolicyRestart Policy = "restart"
)
