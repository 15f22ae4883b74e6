package preflight

import "errors"

// ErrEnvironment is wrapped by every failed check: the host cannot run a
// lab, and the message says what is missing.
var ErrEnvironment = errors.New("environment")

// Host is what nlstress records about the machine it runs on (ReadHost
// reads it).
type Host struct {
	Kernel      string `json:"kernel"`         // uname -r
	RmemMax     int64  `json:"rmem_max"`       // net.core.rmem_max, bytes
	RmemDefault int64  `json:"rmem_default"`   // net.core.rmem_default, bytes
	CPUs        int    `json:"cpus,omitempty"` // CPUs the process may run on
}
