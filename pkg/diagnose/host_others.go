//go:build !linux

package diagnose

import (
	"context"
	"errors"
	"time"
)

// ErrUnsupported is the error of every look at the host off Linux:
// netlink sockets and sock_diag are Linux's.
var ErrUnsupported = errors.New("diagnose reads Linux's netlink sockets: not supported on this system")

// Run fails off Linux.
func Run(Options) (Report, error) { return Report{}, ErrUnsupported }

// Sockets fails off Linux.
func Sockets(Options) ([]Socket, error) { return nil, ErrUnsupported }

// Watch fails off Linux.
func Watch(context.Context, Options, time.Duration, func([]Rate) error) error { return ErrUnsupported }
