//go:build !linux

package engineproc

// Main returns at once off Linux: the engine's process runs only in a
// Linux network namespace, so nlstress is never started as one.
func Main() {}
