package engineproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// ErrExited is wrapped when the engine's process is gone: it exited, or
// closed its end.
var ErrExited = errors.New("the engine's process exited")

// readyTimeout bounds the child's start: its sockets opened, its monitor
// joined.
const readyTimeout = 30 * time.Second

// Engine is the built-in engine running in a process of its own. Create it
// with Start; its methods may be called from any goroutine.
type Engine struct {
	p    *daemon.Process
	conn *os.File

	encMu sync.Mutex
	enc   *json.Encoder
	next  atomic.Uint64
	// stopping is set once Stop is called: an exit after it is asked for.
	stopping atomic.Bool

	// mu guards what the child told: its pending answers, its instances'
	// states and transitions, and its socket. changed is closed and
	// replaced at every transition; gone is closed when the child's end
	// closed.
	mu          sync.Mutex
	pending     map[uint64]chan message
	states      []vrrp.State
	transitions []vrrp.Transition
	changed     chan struct{}
	socket      SocketInfo
	gone        chan struct{}
}

// Start runs spec's engine in ns as a process of its own (this executable
// again; see Main), with its spec and log in dir, and returns once its
// sockets are open and its monitor listens. Stop it with Stop.
func Start(ns *netns.NS, dir string, spec Spec) (*Engine, error) {
	specPath := filepath.Join(dir, "engine.json")
	b, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("engine spec: %w", err)
	}
	if err := os.WriteFile(specPath, b, 0o644); err != nil {
		return nil, fmt.Errorf("engine spec: %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("start the engine: %w", err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("start the engine: socketpair: %w", err)
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "engine-conn"), os.NewFile(uintptr(fds[1]), "engine-conn-child")
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), envSpec+"="+specPath)
	cmd.ExtraFiles = []*os.File{theirs}
	p, err := daemon.Start(ns, cmd, filepath.Join(dir, "engine.log"))
	theirs.Close()
	if err != nil {
		ours.Close()
		return nil, err
	}
	e := &Engine{p: p, conn: ours, enc: json.NewEncoder(ours), pending: map[uint64]chan message{},
		states: make([]vrrp.State, len(spec.Instances)), changed: make(chan struct{}), gone: make(chan struct{})}
	ready := make(chan struct{}, 1)
	go e.receive(ready)
	t := time.NewTimer(readyTimeout)
	defer t.Stop()
	select {
	case <-ready:
		return e, nil
	case <-e.gone:
		err = fmt.Errorf("%w at start: %s", ErrExited, e.LastWords())
	case <-t.C:
		err = fmt.Errorf("the engine did not start within %v: %s", readyTimeout, e.LastWords())
	}
	_ = e.Stop(0)
	return nil, err
}

// LastWords is the head of the engine's log, for an error, once it has
// exited (or a second later).
func (e *Engine) LastWords() string {
	select {
	case <-e.p.Exited():
	case <-time.After(time.Second):
	}
	return daemon.Head(e.p.Log(), 5)
}

// receive reads the child's messages until its end closes: the socket
// any of them reports into e.socket, transitions into the states, answers
// to their askers; ready is told of the ready message.
func (e *Engine) receive(ready chan<- struct{}) {
	defer close(e.gone)
	dec := json.NewDecoder(e.conn)
	for {
		var m message
		if err := dec.Decode(&m); err != nil {
			return
		}
		if m.Socket != nil {
			e.mu.Lock()
			e.socket = *m.Socket
			e.mu.Unlock()
		}
		switch {
		case m.ID != 0:
			e.mu.Lock()
			ch := e.pending[m.ID]
			delete(e.pending, m.ID)
			e.mu.Unlock()
			if ch != nil {
				ch <- m
			}
		case m.Ready:
			ready <- struct{}{}
		case m.Transition != nil:
			t := *m.Transition
			e.mu.Lock()
			if t.Instance >= 0 && t.Instance < len(e.states) {
				e.states[t.Instance] = t.To
			}
			e.transitions = append(e.transitions, t)
			close(e.changed)
			e.changed = make(chan struct{})
			e.mu.Unlock()
		}
	}
}

// ask sends q and waits for its answer, the child's exit, or ctx.
func (e *Engine) ask(ctx context.Context, q request) (message, error) {
	q.ID = e.next.Add(1)
	ch := make(chan message, 1)
	e.mu.Lock()
	e.pending[q.ID] = ch
	e.mu.Unlock()
	defer func() {
		e.mu.Lock()
		delete(e.pending, q.ID)
		e.mu.Unlock()
	}()
	e.encMu.Lock()
	err := e.enc.Encode(q)
	e.encMu.Unlock()
	if err != nil {
		return message{}, fmt.Errorf("engine: ask %s: %w", q.Op, ErrExited)
	}
	select {
	case m := <-ch:
		if m.Err != "" {
			return m, fmt.Errorf("engine: %s: %s", q.Op, m.Err)
		}
		return m, nil
	case <-e.gone:
		return message{}, fmt.Errorf("engine: %s: %w", q.Op, ErrExited)
	case <-ctx.Done():
		return message{}, fmt.Errorf("engine: %s: %w", q.Op, ctx.Err())
	}
}

// askTimeout bounds a question that should be answered at once.
const askTimeout = 10 * time.Second

// quick asks a question that should be answered at once.
func (e *Engine) quick(q request) (message, error) {
	ctx, cancel := context.WithTimeout(context.Background(), askTimeout)
	defer cancel()
	return e.ask(ctx, q)
}

// value is what an answer holds (p), or T's zero value with the error; an
// answer without it and without an error is the zero value.
func value[T any](p *T, err error) (T, error) {
	var zero T
	if err != nil || p == nil {
		return zero, err
	}
	return *p, nil
}

// PID is the engine's process id.
func (e *Engine) PID() int { return e.p.PID() }

// Exited is closed when the engine's process has exited.
func (e *Engine) Exited() <-chan struct{} { return e.p.Exited() }

// Socket is the monitor's socket as last reported (every answer about
// the monitor reports it: the restart policy replaces it).
func (e *Engine) Socket() SocketInfo {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.socket
}

// States is every instance's state now, as the child last told.
func (e *Engine) States() []vrrp.State {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]vrrp.State(nil), e.states...)
}

// Transitions is every state change so far, in order.
func (e *Engine) Transitions() []vrrp.Transition {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]vrrp.Transition(nil), e.transitions...)
}

// Forget drops the transitions before t (see vrrp.Since).
func (e *Engine) Forget(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.transitions = vrrp.Since(e.transitions, t)
}

// WaitAll blocks until every instance is in s, the child is gone, or ctx
// ends.
func (e *Engine) WaitAll(ctx context.Context, s vrrp.State) error {
	for {
		e.mu.Lock()
		n, ch := 0, e.changed
		for _, st := range e.states {
			if st != s {
				n++
			}
		}
		e.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-e.gone:
			return fmt.Errorf("engine: waiting for all %v: %w", s, ErrExited)
		case <-ctx.Done():
			return fmt.Errorf("engine: %d of %d instances not %v: %w", n, len(e.States()), s, ctx.Err())
		}
	}
}

// Counts are the monitor's counters now.
func (e *Engine) Counts() (nlmon.Counts, error) {
	m, err := e.quick(request{Op: opCounts})
	return value(m.Counts, err)
}

// Idle reports whether the monitor handled everything queued for it.
func (e *Engine) Idle() (bool, error) {
	m, err := e.quick(request{Op: opIdle})
	return m.Idle, err
}

// WaitMarker waits until the monitor has read marker k and returns its
// counters as they were then.
func (e *Engine) WaitMarker(ctx context.Context, k uint32) (nlmon.Counts, error) {
	timeout := time.Hour
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	m, err := e.ask(ctx, request{Op: opMarker, Marker: k, Timeout: timeout})
	return value(m.Counts, err)
}

// Stats are the monitor's statistics.
func (e *Engine) Stats() (nlmon.Stats, error) {
	m, err := e.quick(request{Op: opStats})
	return value(m.Stats, err)
}

// Counters are the router's counters.
func (e *Engine) Counters() (vrrp.Counters, error) {
	m, err := e.quick(request{Op: opCounters})
	return value(m.Counters, err)
}

// Memory is what the engine's Go runtime holds, after a collection it
// runs when asked (between flaps only: it takes the engine's CPU).
func (e *Engine) Memory() (Memory, error) {
	m, err := e.quick(request{Op: opMemory})
	return value(m.Memory, err)
}

// Links is what the monitor read about links since the last call.
func (e *Engine) Links() (Links, error) {
	m, err := e.quick(request{Op: opLinks})
	return value(m.Links, err)
}

// SetRcvBuf resizes the monitor's receive buffer in place.
func (e *Engine) SetRcvBuf(size bytesize.Size, force bool) error {
	_, err := e.quick(request{Op: opRcvBuf, RcvBuf: size, Force: force})
	return err
}

// Watch returns when ctx ends or Stop is called (nil), or when the engine
// exits on its own before either: an error wrapping ErrExited with its
// exit status and last words.
func (e *Engine) Watch(ctx context.Context) error {
	select {
	case <-e.p.Exited():
		if e.stopping.Load() {
			return nil
		}
		return fmt.Errorf("%w (%v): %s", ErrExited, e.p.Err(), e.LastWords())
	case <-ctx.Done():
		return nil
	}
}

// Stop ends the engine: SIGTERM, so that its masters resign (priority 0)
// and remove their addresses, and SIGKILL after grace; then it closes the
// parent's end.
func (e *Engine) Stop(grace time.Duration) error {
	e.stopping.Store(true)
	err := e.p.Stop(grace)
	e.conn.Close()
	return err
}
