package daemon

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
)

// StopGrace is how long Stop lets a daemon shut down on SIGTERM (a
// keepalived removing its VMACs and addresses) before SIGKILL.
const StopGrace = 10 * time.Second

// subreaper makes the process a child subreaper once.
var subreaper sync.Once

// reapTimeout bounds the wait for a SIGKILLed process group to be gone.
const reapTimeout = 5 * time.Second

// Process is a daemon running in a lab namespace. Create it with Start.
type Process struct {
	cmd     *exec.Cmd
	logPath string
	exited  chan struct{}
	waitErr error
	stopped sync.Once
}

// Start runs cmd inside ns in a process group of its own (so a Ctrl-C
// meant for nlstress does not reach it first: nlstress stops it in order),
// with stdout and stderr appended to logPath. It returns once the process
// has started.
func Start(ns *netns.NS, cmd *exec.Cmd, logPath string) (*Process, error) {
	return start(ns, cmd, logPath, cmd.Start)
}

// start is Start with run, which starts cmd, run inside ns.
func start(ns *netns.NS, cmd *exec.Cmd, logPath string, run func() error) (*Process, error) {
	subreaper.Do(func() {
		// Orphans of a daemon's group (keepalived's VRRP child once its
		// parent is killed) become nlstress's children, which Stop reaps,
		// instead of zombies waiting on an init that may never reap them.
		_ = unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	})
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("daemon log: %w", err)
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := ns.Do(run); err != nil {
		return nil, fmt.Errorf("start %s: %w", cmd.Path, err)
	}
	p := &Process{cmd: cmd, logPath: logPath, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Exited is closed when the daemon's own process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Path is the daemon's program.
func (p *Process) Path() string { return p.cmd.Path }

// PID is the daemon's own process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Signal sends sig to the daemon's own process (not its group): a
// keepalived told to reload passes it on to its children itself.
func (p *Process) Signal(sig syscall.Signal) error {
	if err := syscall.Kill(p.cmd.Process.Pid, sig); err != nil {
		return fmt.Errorf("signal %v to pid %d: %w", sig, p.cmd.Process.Pid, err)
	}
	return nil
}

// Err is how the daemon exited; valid once Exited is closed.
func (p *Process) Err() error { return p.waitErr }

// Log is the daemon's output so far.
func (p *Process) Log() string {
	s, _ := p.LogFrom(0)
	return s
}

// LogFrom is the daemon's output from byte offset off on: for reading the
// log piece by piece as the daemon writes it.
func (p *Process) LogFrom(off int64) (string, error) {
	f, err := os.Open(p.logPath)
	if err != nil {
		return "", fmt.Errorf("daemon log: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.NewSectionReader(f, off, math.MaxInt64-off))
	if err != nil {
		return "", fmt.Errorf("daemon log %s: %w", p.logPath, err)
	}
	return string(b), nil
}

// ErrStillRunning is returned by Stop when the process group outlived
// SIGKILL's deadline ("nlstress cleanup" finds it later).
var ErrStillRunning = errors.New("daemon still running after SIGKILL")

// Stop sends SIGTERM to the daemon's process group, waits up to grace for
// the daemon to exit, then SIGKILLs the group and waits until every
// process of it is gone (reaped), within a deadline. With grace 0 it
// SIGKILLs at once: for an interrupted run whose namespace is about to be
// deleted anyway. It is idempotent; later calls return nil.
func (p *Process) Stop(grace time.Duration) error {
	var err error
	p.stopped.Do(func() {
		pgid := p.cmd.Process.Pid
		if grace > 0 {
			_ = syscall.Kill(-pgid, syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(grace):
			}
		}
		// Children the leader left behind (keepalived's VRRP process, a
		// shell's pipeline) go with the group.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		deadline := time.Now().Add(reapTimeout)
		<-p.exited
		for groupAlive(pgid) {
			// The leader's orphans were reparented to nlstress (a child
			// subreaper, see Start): reap them, so that no zombie of the
			// group outlives Stop.
			var ws unix.WaitStatus
			_, _ = unix.Wait4(-pgid, &ws, unix.WNOHANG, nil)
			if time.Now().After(deadline) {
				err = fmt.Errorf("%w: process group %d", ErrStillRunning, pgid)
				return
			}
			time.Sleep(time.Millisecond)
		}
	})
	return err
}

// groupAlive reports whether any process of process group pgid still
// exists (a zombie not yet reaped by its parent counts).
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}
