package stress

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/vrrp"
)

// beliefView sees a daemon that speaks no VRRP through its own view of
// the links it follows: ask returns, by link name, whether the daemon
// believes the link up, and the view asks it every poll. Each instance is
// a link: FAULT while the daemon believes it down, MASTER once it
// believes it up again; its transitions are timestamped when seen, to
// the poll's resolution.
type beliefView struct {
	what    string // the daemon, in errors: "bird", "the probe"
	ask     func() (map[string]bool, error)
	names   []string
	mu      sync.Mutex
	states  []vrrp.State
	history []vrrp.Transition
	changed chan struct{}
	err     error
	done    chan struct{}
	stopped sync.Once
}

// watchBelief asks once, and then every poll until close.
func watchBelief(what string, names []string, poll time.Duration, ask func() (map[string]bool, error)) (*beliefView, error) {
	v := &beliefView{what: what, ask: ask, names: names, states: make([]vrrp.State, len(names)),
		changed: make(chan struct{}), done: make(chan struct{})}
	if err := v.look(); err != nil {
		return nil, err
	}
	go v.run(poll)
	return v, nil
}

func (v *beliefView) run(poll time.Duration) {
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-v.done:
			return
		case <-t.C:
		}
		if err := v.look(); err != nil {
			select {
			case <-v.done: // closed while asking: not the daemon's fault
				return
			default:
			}
			v.mu.Lock()
			v.err = err
			close(v.changed)
			v.changed = make(chan struct{})
			v.mu.Unlock()
			slog.Warn("the daemon's view", "daemon", v.what, "err", err)
			return
		}
	}
}

// look asks once and records what changed.
func (v *beliefView) look() error {
	up, err := v.ask()
	if err != nil {
		return err
	}
	now := time.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	moved := false
	for i, n := range v.names {
		to := vrrp.Fault
		if up[n] {
			to = vrrp.Master
		}
		if v.states[i] != to {
			v.history = append(v.history, vrrp.Transition{At: now, Instance: i, From: v.states[i], To: to})
			v.states[i], moved = to, true
		}
	}
	if moved {
		close(v.changed)
		v.changed = make(chan struct{})
	}
	return nil
}

// close stops asking; it is idempotent.
func (v *beliefView) close() {
	v.stopped.Do(func() { close(v.done) })
}

// WaitAll waits until the daemon believes every instance's link in st
// (Master: up, Fault: down).
func (v *beliefView) WaitAll(ctx context.Context, st vrrp.State) error {
	for {
		v.mu.Lock()
		missing := 0
		for _, x := range v.states {
			if x != st {
				missing++
			}
		}
		ch, err := v.changed, v.err
		v.mu.Unlock()
		switch {
		case missing == 0:
			return nil
		case err != nil:
			return fmt.Errorf("%s: %d of %d links not %s: %w", v.what, missing, len(v.names), st, err)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("%s: %d of %d links not %s: %w", v.what, missing, len(v.names), st, ctx.Err())
		}
	}
}

func (v *beliefView) States() []vrrp.State {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]vrrp.State(nil), v.states...)
}

func (v *beliefView) Forget(t time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.history = vrrp.Since(v.history, t)
}

func (v *beliefView) Transitions() []vrrp.Transition {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]vrrp.Transition(nil), v.history...)
}
