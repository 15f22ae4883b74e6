package stress

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/vrrp"
)

// stateView is what waitProgress watches: the subject or the peer.
type stateView interface {
	// WaitAll blocks until every instance is in s, or ctx ends.
	WaitAll(ctx context.Context, s vrrp.State) error
	// States is every instance's state now.
	States() []vrrp.State
}

// quietPeriod is how long waitProgress keeps waiting after the last
// instance that reached the state: two Settle times (Master_Down_Intervals,
// or a rescanning daemon's scans), and at least 5 s, so that a big lab on
// a busy machine is judged slow, not stuck.
func quietPeriod(settle time.Duration) time.Duration { return max(2*settle, 5*time.Second) }

// waitProgress waits until every instance of v is in s. It gives up at
// limit, unless instances are still getting there: if more are in s than
// at the last look, it waits another quiet period, and so on. It returns
// the error of the last wait (nil when all made it). A slow lab therefore
// finishes, and only a wait in which nothing moved for a whole quiet
// period ends it: what is left then is stuck.
func waitProgress(ctx context.Context, v stateView, s vrrp.State, limit, quiet time.Duration) error {
	return waitWhileBusy(ctx, v, s, limit, quiet, nil)
}

// busyCap bounds how long waitWhileBusy keeps waiting on a daemon that is
// busy but brings no instance further: this many times its limit and its
// quiet period.
const busyCap = 10

// busyShare is the share of one CPU a starting daemon must have used
// since the last look to count as working: a daemon building its state
// uses a whole one, one that only sends and hears adverts a small part.
const busyShare = 0.5

// working says whether a daemon that used cpu of its CPU time in wall
// time was working: at least busyShare of one CPU.
func working(cpu, wall time.Duration) bool {
	return wall > 0 && float64(cpu) >= busyShare*float64(wall)
}

// waitWhileBusy is waitProgress that also counts as moving a daemon that
// busy says is still working (netlink messages in its namespace: VMACs
// being made; its CPU used: sockets being opened), up to busyCap times
// the limit and the quiet period.
func waitWhileBusy(ctx context.Context, v stateView, s vrrp.State, limit, quiet time.Duration, busy func() bool) error {
	deadline := time.Now().Add(limit)
	hard := time.Now().Add(busyCap * (limit + quiet))
	last := count(v.States(), s)
	for {
		wctx, cancel := context.WithDeadline(ctx, deadline)
		err := v.WaitAll(wctx, s)
		cancel()
		if err == nil || ctx.Err() != nil {
			return err
		}
		now := count(v.States(), s)
		if now <= last && (busy == nil || !busy() || time.Now().After(hard)) {
			return err
		}
		last, deadline = max(now, last), time.Now().Add(quiet)
	}
}

// countNot is how many states are not s.
func countNot(states []vrrp.State, s vrrp.State) int { return len(states) - count(states, s) }

// count is how many states are s.
func count(states []vrrp.State, s vrrp.State) int {
	n := 0
	for _, st := range states {
		if st == s {
			n++
		}
	}
	return n
}

// subset is a view of some of a router's instances: those on the links a
// flap takes down. Its WaitAll polls, the states of the whole router
// being what changes.
type subset struct {
	v         stateView
	instances []int
}

// subsetPoll is how often a subset's WaitAll looks.
const subsetPoll = 5 * time.Millisecond

func (s subset) States() []vrrp.State {
	all := s.v.States()
	out := make([]vrrp.State, 0, len(s.instances))
	for _, i := range s.instances {
		out = append(out, all[i])
	}
	return out
}

func (s subset) WaitAll(ctx context.Context, st vrrp.State) error {
	return pollAll(ctx, s.States, st, subsetPoll, "flapped instances", "")
}

// pollAll looks at states every poll until every one is s, or ctx ends;
// its error counts those that are not ("3 of 10 flapped instances not
// MASTER on the wire").
func pollAll(ctx context.Context, states func() []vrrp.State, s vrrp.State, poll time.Duration, what, where string) error {
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		all := states()
		missing := countNot(all, s)
		if missing == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d %s not %s%s: %w", missing, len(all), what, s, strings.TrimRight(" "+where, " "), ctx.Err())
		case <-tick.C:
		}
	}
}
