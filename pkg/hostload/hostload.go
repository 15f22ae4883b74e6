// Package hostload makes a lab's host as busy as a production one: CPU
// work that competes with the daemon under test, on the CPUs it may run
// on, at a stated duty cycle, with the share it achieved measured. A host
// that also runs a BGP daemon, logging and monitoring agents is the norm;
// a busy core changes how fast a daemon drains a storm.
package hostload

import (
	"fmt"
	"time"
)

// Period is the duty cycle's period: each burner runs Percent of it and
// is stopped for the rest. 10 ms is short against a storm's drain (tens
// of milliseconds at 255 VMACs) and long against the scheduler's slice.
const Period = 10 * time.Millisecond

// Validate checks a load of percent of each CPU.
func Validate(percent int) error {
	if percent < 0 || percent > 100 {
		return fmt.Errorf("host load %d %%: want 0 (none) to 100 %% of each CPU", percent)
	}
	return nil
}

// Share is a load as asked for and as achieved.
type Share struct {
	// Asked is the percent of each CPU asked for; Achieved the percent
	// the burners got, measured from their CPU time over the wall time
	// they ran, per CPU.
	Asked    int     `json:"asked_pct"`
	Achieved float64 `json:"achieved_pct"`
	// CPUs are the CPUs loaded.
	CPUs []int `json:"cpus"`
}
