package scenario

import "github.com/nlstress/nlstress/pkg/target"

// Target is the router under test: a flag value (--target), whose
// traits package target holds.
type Target = target.Name

// The targets a run can stress (package target describes each).
const (
	TargetBuiltin    = target.Builtin
	TargetKeepalived = target.Keepalived
	TargetFRR        = target.FRR
	TargetExec       = target.Exec
	TargetBIRD       = target.BIRD
)

// DefaultTarget is the target of a scenario that names none.
const DefaultTarget = target.Builtin
