//go:build !linux

package stress

import (
	"context"
	"errors"

	"github.com/nlstress/nlstress/pkg/capacity"
	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// ErrUnsupported is Run's and OpenLab's error off Linux.
var ErrUnsupported = errors.New("a lab needs Linux network namespaces: not supported on this system")

// Run fails off Linux.
func Run(context.Context, scenario.Scenario) (result.Result, error) {
	return result.Result{}, ErrUnsupported
}

// OpenLab fails off Linux.
func OpenLab(context.Context, scenario.Scenario) (capacity.Lab, error) { return nil, ErrUnsupported }

// CheckVariant fails off Linux, where no comparison runs.
func CheckVariant(base, sc scenario.Scenario) error { return ErrUnsupported }

// OpenCompareLab fails off Linux.
func OpenCompareLab(context.Context, scenario.Scenario) (compare.Lab, error) {
	return nil, ErrUnsupported
}
