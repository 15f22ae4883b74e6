//go:build !linux

package lab

import "errors"

// Cleanup fails off Linux, where no lab can have been built.
func Cleanup(bool) ([]Leftover, error) {
	return nil, errors.New("labs are Linux network namespaces: not supported on this system")
}
