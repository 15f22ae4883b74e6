package engineproc

import (
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/vrrp"
)

// notifyEnv is a notify command's whole environment.
var notifyEnv = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}

// reapTimeout bounds how long close waits for the commands still running.
const reapTimeout = 5 * time.Second

// notifier starts an instance's notify command at every state change and
// does not wait for it, as keepalived starts a notify script: a fork and
// an exec from the event loop, with the arguments keepalived gives a
// "notify" script ("INSTANCE", the instance's name, its new state, its
// priority), the child reaped on SIGCHLD by one goroutine, as keepalived
// reaps its children in its own loop (a goroutine blocked in a wait per
// child would cost a thread each). The commands' own CPU then competes
// with the engine's, as a daemon's scripts do.
//
// The engine's process starts no other children: the notifier reaps any
// child that exits.
type notifier struct {
	argv       []string // the command and its own arguments
	priorities []uint8  // by instance
	attr       *syscall.ProcAttr
	devnull    *os.File
	sigs       chan os.Signal

	mu      sync.Mutex
	cond    *sync.Cond
	started uint64
	reaped  uint64
	failed  uint64
	lastErr error
}

// newNotifier returns a notifier of argv for instances, nil for an empty
// argv (no notify command).
func newNotifier(argv []string, instances []vrrp.InstanceSpec) (*notifier, error) {
	if len(argv) == 0 {
		return nil, nil
	}
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	fd := devnull.Fd()
	n := &notifier{argv: argv, priorities: make([]uint8, len(instances)), devnull: devnull,
		attr: &syscall.ProcAttr{Env: notifyEnv, Files: []uintptr{fd, fd, fd}}, sigs: make(chan os.Signal, 1)}
	n.cond = sync.NewCond(&n.mu)
	for i, in := range instances {
		n.priorities[i] = in.Config.Priority
	}
	signal.Notify(n.sigs, unix.SIGCHLD)
	go n.reap()
	return n, nil
}

// instanceName is the name the engine gives instance i in a notify's
// arguments: keepalived's generated labs name them VI_1, VI_2, ...
func instanceName(i int) string { return "VI_" + strconv.Itoa(i+1) }

// run starts the command for t. A command that does not start is
// counted, and its first error written to the engine's log.
func (n *notifier) run(t vrrp.Transition) {
	prio := 0
	if t.Instance >= 0 && t.Instance < len(n.priorities) {
		prio = int(n.priorities[t.Instance])
	}
	argv := append(n.argv[:len(n.argv):len(n.argv)], "INSTANCE", instanceName(t.Instance), t.To.String(), strconv.Itoa(prio))
	_, err := syscall.ForkExec(argv[0], argv, n.attr)
	n.mu.Lock()
	defer n.mu.Unlock()
	if err == nil {
		n.started++
		return
	}
	if n.failed == 0 {
		fmt.Fprintf(os.Stderr, "nlstress engine: notify %s: %v\n", argv[0], err)
	}
	n.failed++
	n.lastErr = err
}

// reap reaps every child that exited, at each SIGCHLD, until close.
func (n *notifier) reap() {
	for range n.sigs {
		for {
			var ws unix.WaitStatus
			pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
			n.mu.Lock()
			n.reaped++
			n.cond.Broadcast()
			n.mu.Unlock()
		}
	}
}

// close waits, up to reapTimeout, for the commands still running, and
// reports any that did not start.
func (n *notifier) close() error {
	deadline := time.AfterFunc(reapTimeout, func() {
		n.mu.Lock()
		n.cond.Broadcast()
		n.mu.Unlock()
	})
	defer deadline.Stop()
	end := time.Now().Add(reapTimeout)
	n.mu.Lock()
	for n.reaped < n.started && time.Now().Before(end) {
		n.cond.Wait()
	}
	left, failed, started, lastErr := n.started-min(n.reaped, n.started), n.failed, n.started, n.lastErr
	n.mu.Unlock()
	signal.Stop(n.sigs)
	close(n.sigs)
	n.devnull.Close()
	switch {
	case failed > 0:
		return fmt.Errorf("notify %s: %d of %d did not start: %w", n.argv[0], failed, failed+started, lastErr)
	case left > 0:
		return fmt.Errorf("notify %s: %d of %d still running after %v", n.argv[0], left, started, reapTimeout)
	}
	return nil
}
