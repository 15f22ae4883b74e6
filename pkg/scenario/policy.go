package scenario

import "fmt"

// Policy names what the subject's monitor does after an overrun
// (ENOBUFS); package nlmon carries it out.
type Policy string

// The overrun policies of daemons in the field.
const (
	// PolicyNone logs and carries on, as keepalived does: a lost "link up"
	// stays lost.
	PolicyNone Policy = "none"
	// PolicyResync dumps links and addresses and reconciles, as
	// NetworkManager and systemd-networkd do.
	PolicyResync Policy = "resync"
	// PolicyRestart reopens the socket and dumps, as FRR's zebra does by
	// exiting and being restarted.
	PolicyRestart Policy = "restart"
)

// Set parses a policy name; with String and Type it makes *Policy a
// pflag.Value.
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
