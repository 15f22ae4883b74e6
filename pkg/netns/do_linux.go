package netns

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// Do runs fn on a fresh OS thread that has entered the namespace, and waits
// for it. The calling goroutine's thread is never moved. Goroutines that fn
// starts do not inherit the namespace: open sockets inside fn and use them
// anywhere (a socket stays in the namespace it was created in).
//
// The thread is always discarded afterwards, never returned to the
// runtime's pool: it does not go back to its original namespace, it ends
// with fn.
func (n *NS) Do(fn func() error) error { return doIn(n.Fd(), n.name, fn) }

// DoFd is Do for a namespace known only by its file descriptor, as
// netlink.Config.NetNS holds it.
func DoFd(fd int, fn func() error) error { return doIn(fd, fmt.Sprintf("fd %d", fd), fn) }

func doIn(fd int, name string, fn func() error) error {
	return onNewThread(func() error {
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			return fmt.Errorf("enter netns %s: %w", name, err)
		}
		return fn()
	})
}

// onNewThread runs fn on a new goroutine locked to its OS thread. The thread
// is never unlocked, so the runtime terminates it when the goroutine exits:
// whatever namespace fn left it in dies with it.
func onNewThread(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		errc <- fn()
	}()
	return <-errc
}

// Current returns a handle on the namespace of the calling thread. Call it
// from a locked thread, or from the main goroutine (locked by this package).
func Current() (*NS, error) {
	f, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, fmt.Errorf("open current netns: %w", err)
	}
	return &NS{f: f}, nil
}
