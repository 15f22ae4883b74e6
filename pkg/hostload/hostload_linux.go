package hostload

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/procstat"
)

// Load is competing CPU work running: one busy loop per CPU, pinned to
// it, stopped and continued by a duty-cycle goroutine.
type Load struct {
	percent int
	cpus    []int
	procs   []*daemon.Process
	t0      time.Time
	// markCPU and markT are the burners' CPU time and the time at the
	// last Since.
	markCPU time.Duration
	markT   time.Time
	cancel  context.CancelFunc
	done    chan struct{}
}

// Start starts a load of percent of each CPU that nlstress itself may run
// on (where an unpinned daemon runs), in ns, with the burners' output in
// dir. A load of 0 starts nothing.
func Start(ns *netns.NS, dir string, percent int) (*Load, error) {
	if err := Validate(percent); err != nil {
		return nil, err
	}
	l := &Load{percent: percent, done: make(chan struct{})}
	if percent == 0 {
		close(l.done)
		return l, nil
	}
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("host load: the CPUs to load: %w", err)
	}
	for cpu := 0; cpu < 1024 && len(l.cpus) < set.Count(); cpu++ {
		if set.IsSet(cpu) {
			l.cpus = append(l.cpus, cpu)
		}
	}
	for _, cpu := range l.cpus {
		p, err := daemon.Start(ns, exec.Command("/bin/sh", "-c", "while :; do :; done"), filepath.Join(dir, fmt.Sprintf("load-cpu%d.log", cpu)))
		if err == nil {
			var one unix.CPUSet
			one.Set(cpu)
			err = unix.SchedSetaffinity(p.PID(), &one)
			l.procs = append(l.procs, p)
		}
		if err != nil {
			_, _ = l.Stop()
			return nil, fmt.Errorf("host load on CPU %d: %w", cpu, err)
		}
	}
	l.t0 = time.Now()
	l.markT = l.t0
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	go l.cycle(ctx)
	return l, nil
}

// cycle runs the burners percent of each Period and stops them for the
// rest, until ctx ends; at 100 % it never stops them.
func (l *Load) cycle(ctx context.Context) {
	defer close(l.done)
	if l.percent == 100 {
		<-ctx.Done()
		return
	}
	on := Period * time.Duration(l.percent) / 100
	t := time.NewTicker(Period)
	defer t.Stop()
	for {
		l.signal(syscall.SIGCONT)
		select {
		case <-ctx.Done():
			return
		case <-time.After(on):
		}
		l.signal(syscall.SIGSTOP)
		select {
		case <-ctx.Done():
			l.signal(syscall.SIGCONT)
			return
		case <-t.C:
		}
	}
}

func (l *Load) signal(sig syscall.Signal) {
	for _, p := range l.procs {
		_ = p.Signal(sig)
	}
}

// Since returns the share the load achieved since the last call of
// Since (since the start, the first time): the load over one flap. A load
// of 0 achieved 0.
func (l *Load) Since() (Share, error) {
	s := Share{Asked: l.percent, CPUs: l.cpus}
	if len(l.procs) == 0 {
		return s, nil
	}
	cpu, err := l.cpu()
	now := time.Now()
	s.Achieved = l.share(cpu-l.markCPU, now.Sub(l.markT))
	l.markCPU, l.markT = cpu, now
	return s, err
}

// Stop stops the load and returns the share it achieved since it
// started. Stopping twice is harmless.
func (l *Load) Stop() (Share, error) {
	s := Share{Asked: l.percent, CPUs: l.cpus}
	if l.cancel != nil {
		l.cancel()
		<-l.done
	}
	cpu, err := l.cpu()
	errs := []error{err}
	for _, p := range l.procs {
		_ = p.Signal(syscall.SIGCONT) // a stopped process ignores SIGTERM until continued
		errs = append(errs, p.Stop(0))
	}
	s.Achieved = l.share(cpu, time.Since(l.t0))
	l.procs = nil
	return s, errors.Join(errs...)
}

// cpu is the CPU time the burners have used, together; a burner already
// gone counts nothing.
func (l *Load) cpu() (time.Duration, error) {
	var cpu time.Duration
	var errs []error
	for _, p := range l.procs {
		c, err := procstat.CPU(p.PID())
		if err == nil {
			cpu += c
		} else if !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return cpu, errors.Join(errs...)
}

// share is cpu over wall, per burner, in percent of a CPU.
func (l *Load) share(cpu, wall time.Duration) float64 {
	if len(l.procs) == 0 || wall <= 0 {
		return 0
	}
	return 100 * cpu.Seconds() / wall.Seconds() / float64(len(l.procs))
}
