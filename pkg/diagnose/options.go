package diagnose

// DefaultConf is where keepalived's configuration lives on most hosts.
const DefaultConf = "/etc/keepalived/keepalived.conf"

// Options say what to look at.
type Options struct {
	// Namespace is a named network namespace (/run/netns/NAME) to look
	// into instead of the caller's; AllNamespaces looks into every named
	// one and every process's.
	Namespace     string
	AllNamespaces bool
	// Conf is the keepalived configuration to analyse; ConfGiven says the
	// user named it (then a missing file is an error, not a skip).
	Conf      string
	ConfGiven bool
	// ConfigID is keepalived's --config-id for Conf's @ID lines; empty:
	// the host's name up to its first dot, as keepalived does.
	ConfigID string
	// FRRConf is the frr.conf to analyse (empty: DefaultFRRConf, skipped
	// when absent); FRRConfGiven says the user named it. FRRDaemons is
	// FRR's daemons file, read for zebra's options when no zebra runs
	// (empty: DefaultFRRDaemons).
	FRRConf      string
	FRRConfGiven bool
	FRRDaemons   string
}
