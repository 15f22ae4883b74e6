package lab

// Leftover is one object "nlstress cleanup" (or a run, before it builds
// its lab) found of an earlier run, and what it did with it.
type Leftover struct {
	Kind   string `json:"kind"`   // "netns", "rundir" or "process"
	Name   string `json:"name"`   // namespace name, directory path, or "comm (pid N) in NETNS"
	RunID  string `json:"run_id"` // the run that made it; "" if unknown
	Action string `json:"action"` // "removed", "killed", "kept: run in progress (pid N)", or "failed: ..."
}
