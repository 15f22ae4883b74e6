package stress

import (
	"context"
	"testing"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// runPaused runs sc as Run does, with the consumer under test stopped
// through each flap's link-down storm: SIGSTOP before the flap, SIGCONT
// once every macvlan of the lab is down in the kernel. A link's operstate
// changes and its message is sent under the lock a dump takes, so by then
// the whole storm has been sent while the consumer read none of it: its
// buffer, a few messages, kept the first and dropped the rest. A loss that
// a fast reader might otherwise escape on a quiet machine (ip monitor kept
// up with a 64-link storm at 4 KiB once in ten suites) is then certain;
// what the consumer makes of it afterwards is what the tests look at.
func runPaused(t *testing.T, ctx context.Context, sc scenario.Scenario) (result.Result, error) {
	t.Helper()
	s, res, err := Open(ctx, sc)
	if err != nil {
		return res, err
	}
	for range sc.Flaps {
		resumed := pauseThroughDownStorm(t, s)
		_, err = s.Flap(ctx)
		if rerr := resumed(); err == nil {
			err = rerr
		}
		if err != nil || s.Dead() {
			break
		}
	}
	return s.Close(ctx, err)
}

// pauseThroughDownStorm stops the monitor's owner and resumes it, from a
// goroutine, once every macvlan of s's lab is down; the function it
// returns waits for that (and resumes the owner in any case).
func pauseThroughDownStorm(t *testing.T, s *Session) func() error {
	t.Helper()
	pid := s.r.described().PID
	if pid <= 0 {
		t.Fatal("the monitor under test has no owner to pause")
	}
	var vmacs []uint32
	for _, in := range s.r.lab.Instances {
		vmacs = append(vmacs, in.VMACIndex)
	}
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: s.r.lab.Subject.NS.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Kill(pid, unix.SIGSTOP); err != nil {
		c.Close()
		t.Fatalf("pause pid %d: %v", pid, err)
	}
	done := make(chan error, 1)
	go func() {
		defer c.Close()
		defer unix.Kill(pid, unix.SIGCONT)
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			links, err := c.Link.List()
			if err != nil {
				done <- err
				return
			}
			down := map[uint32]bool{}
			for _, l := range links {
				down[l.Index] = l.Attributes != nil && l.Attributes.OperationalState != rtnetlink.OperStateUp
			}
			all := true
			for _, i := range vmacs {
				all = all && down[i]
			}
			if all {
				done <- nil
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		done <- context.DeadlineExceeded
	}()
	return func() error {
		select {
		case err := <-done:
			return err
		case <-time.After(2 * time.Minute):
			unix.Kill(pid, unix.SIGCONT)
			return context.DeadlineExceeded
		}
	}
}
