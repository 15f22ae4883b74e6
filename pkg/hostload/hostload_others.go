//go:build !linux

package hostload

import (
	"errors"

	"github.com/nlstress/nlstress/pkg/netns"
)

// Load is a running load; off Linux there is none.
type Load struct{}

// Start fails off Linux for any load but 0.
func Start(_ *netns.NS, _ string, percent int) (*Load, error) {
	if err := Validate(percent); err != nil || percent == 0 {
		return &Load{}, err
	}
	return nil, errors.New("host load runs in a Linux network namespace: not supported on this system")
}

// Stop does nothing.
func (*Load) Stop() (Share, error) { return Share{}, nil }

// Since does nothing.
func (*Load) Since() (Share, error) { return Share{}, nil }
