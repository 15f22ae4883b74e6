// Package flap takes a lab's links down and up with ground-truth
// timestamps, holds them deliberately, and closes the measuring windows
// around each transition so that the oracle and the monitor under test
// count exactly the same messages.
package flap
