package main

import (
	"fmt"
	"os"

	"github.com/nlstress/nlstress/pkg/preflight"
)

// requireRoot fails with a one-line error unless running as root.
func requireRoot() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: this command changes /run/netns and must run as root", preflight.ErrEnvironment)
	}
	return nil
}
