// Package stress runs a scenario end to end: pre-flight checks, the lab,
// the two VRRP routers, the monitor under test, the oracle, the sampler and
// the flapper, and turns what they saw into a result. Run runs a scenario
// once; Open gives a Session to flap again and again (a sweep); commands
// only map their flags to a scenario.Scenario. A lab needs Linux: off it
// Run and OpenLab fail with ErrUnsupported.
package stress

import (
	"errors"

	"github.com/nlstress/nlstress/pkg/scenario"
)

// ErrNotConverged is returned when the routers never reach the starting
// position (subject all MASTER, peer all BACKUP): nothing was measured.
var ErrNotConverged = errors.New("routers did not converge")

// Priorities of the two routers: the subject's preempts the peer's.
const (
	subjectPriority = 200
	peerPriority    = scenario.PeerPriority
)
