//go:build !linux

package procstat

import (
	"errors"
	"time"
)

// errUnsupported is every call's error off Linux: /proc is Linux's.
var errUnsupported = errors.New("procstat: /proc is not supported on this system")

// SelfCPU fails off Linux.
func SelfCPU() (time.Duration, error) { return 0, errUnsupported }

// CPU fails off Linux.
func CPU(int) (time.Duration, error) { return 0, errUnsupported }

// RSS fails off Linux.
func RSS(int) (uint64, error) { return 0, errUnsupported }
