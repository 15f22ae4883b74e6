package scenario

import "github.com/nlstress/nlstress/pkg/nlmon"

// Policy is what the subject's monitor does after an overrun (ENOBUFS):
// the one type of package nlmon, which carries it out.
type Policy = nlmon.Policy

// The overrun policies, as package nlmon defines them.
const (
	PolicyNone    = nlmon.PolicyNone
	PolicyResync  = nlmon.PolicyResync
	PolicyRestart = nlmon.PolicyRestart
)
