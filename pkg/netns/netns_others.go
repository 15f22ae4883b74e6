//go:build !linux

package netns

import (
	"errors"
	"os"
)

// Dir is where named network namespaces live, as for iproute2.
const Dir = "/run/netns"

// ErrUnsupported is every call's error off Linux.
var ErrUnsupported = errors.New("network namespaces are Linux's: not supported on this system")

// ErrExist and ErrNotExist are Linux's errors, never returned here.
var (
	ErrExist    = errors.New("network namespace already exists")
	ErrNotExist = errors.New("network namespace does not exist")
)

// NS is a handle on a network namespace; off Linux there is none.
type NS struct {
	name string
	f    *os.File
}

// Name is the namespace's name.
func (n *NS) Name() string { return n.name }

// Fd is -1 off Linux.
func (n *NS) Fd() int { return -1 }

// Close does nothing off Linux.
func (n *NS) Close() error { return nil }

// Do fails off Linux.
func (n *NS) Do(func() error) error { return ErrUnsupported }

// DoFd fails off Linux.
func DoFd(int, func() error) error { return ErrUnsupported }

// Path is the namespace's file under Dir.
func Path(name string) string { return Dir + "/" + name }

// New fails off Linux.
func New(string) (*NS, error) { return nil, ErrUnsupported }

// NewAnonymous fails off Linux.
func NewAnonymous() (*NS, error) { return nil, ErrUnsupported }

// Open fails off Linux.
func Open(string) (*NS, error) { return nil, ErrUnsupported }

// Delete fails off Linux.
func Delete(string) error { return ErrUnsupported }

// List fails off Linux.
func List(string) ([]string, error) { return nil, ErrUnsupported }

// Current fails off Linux.
func Current() (*NS, error) { return nil, ErrUnsupported }
