package nlmon

import "fmt"

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

// Set parses a policy name; with String and Type it makes *Policy a
// pflag.Value for --on-overrun.
func (p *Policy) Set(s string) error {
	switch Policy(s) {
	case PolicyNone, PolicyResync, PolicyRestart:
		*p = Policy(s)
		return nil
	}
	return fmt.Errorf("unknown overrun policy %q: want none, resync or restart", s)
}

// String returns the policy's name.
func (p *Policy) String() string { return string(*p) }

// Type names the flag's value type in help output.
func (*Policy) Type() string { return "policy" }
