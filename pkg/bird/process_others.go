//go:build !linux

package bird

import "errors"

// ErrStart wraps every reason BIRD did not start.
var ErrStart = errors.New("bird did not start")
