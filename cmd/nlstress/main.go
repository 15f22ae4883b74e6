// Command nlstress stress-tests and diagnoses Linux netlink consumers such
// as keepalived: it measures what a daemon's rtnetlink monitor socket loses
// in a link-flap storm, and which receive buffer would have been enough.
//
// Exit codes: 0 ok, 1 a finding (loss, stuck instances, regression),
// 2 usage or environment error, 128+N when stopped by signal N (130 for
// SIGINT, 143 for SIGTERM), as shells report it.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/engineproc"
	"github.com/nlstress/nlstress/pkg/result"
)

// Exit codes.
const (
	exitOK      = 0
	exitFinding = 1
	exitUsage   = 2
)

// interrupt is the cause of a context cancelled by a signal.
type interrupt struct{ sig syscall.Signal }

func (i interrupt) Error() string { return "interrupted by " + i.Signal() }

// Signal names the signal ("SIGTERM"), for results that record what
// stopped them.
func (i interrupt) Signal() string { return unix.SignalName(i.sig) }

// exitCode is what a shell reports for a process ended by the signal.
func (i interrupt) exitCode() int { return 128 + int(i.sig) }

func main() {
	engineproc.Main() // nlstress started again as the engine's process
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go onSignals(sigs, cancel, os.Stderr, os.Exit, time.Now)
	// The command runs on a goroutine of its own. The main goroutine is
	// locked to the main thread (package netns), and each time a locked
	// goroutine wakes or sleeps the runtime hands its one processor
	// between two threads: a run's waits would cost two more context
	// switches each, beside the daemon under test.
	done := make(chan int)
	go func() { done <- execute(ctx, os.Args[1:], os.Stdout, os.Stderr) }()
	code := <-done
	signal.Stop(sigs)
	os.Exit(code)
}

// sameSignal is how soon a repeat of the first signal is taken for the
// same one: timeout(1) sends its signal to the command and again to the
// command's process group, and both can reach the process one after the
// other, not merged by the kernel.
const sameSignal = time.Second

// onSignals handles the signals as they come: the first stops the
// command (cancel), which removes its lab and writes what it measured on
// the way out; a second ends the process at once (exit), the lab left for
// "nlstress cleanup". The first signal repeated within sameSignal of it
// (now tells the time) is the same signal delivered twice, not a second.
func onSignals(sigs <-chan os.Signal, cancel context.CancelCauseFunc, stderr io.Writer, exit func(int), now func() time.Time) {
	var first syscall.Signal
	var at time.Time
	for s := range sigs {
		sig, t := s.(syscall.Signal), now()
		switch {
		case first == 0:
			first, at = sig, t
			cancel(interrupt{sig: sig})
		case sig == first && t.Sub(at) < sameSignal:
			// The same signal twice (timeout(1)): one request to stop.
		default:
			fmt.Fprintf(stderr, "nlstress: %s again: exiting now; 'nlstress cleanup' removes what is left\n", unix.SignalName(sig))
			exit(128 + int(sig))
		}
	}
}

// execute runs the command line args and returns the process exit code.
// Errors are printed to stderr as one line.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var sig interrupt
	interrupted := errors.As(context.Cause(ctx), &sig)
	if err == nil && !interrupted {
		return exitOK
	}
	if interrupted && (err == nil || errors.Is(err, context.Canceled) && !errors.As(err, new(interrupt))) {
		// A command that ended cleanly on the signal, or whose error
		// is only the cancellation: say what stopped it.
		err = sig
	}
	fmt.Fprintf(stderr, "nlstress: %s\n", oneLine(err))
	switch {
	case interrupted:
		return sig.exitCode()
	case errors.Is(err, result.ErrFinding):
		return exitFinding
	}
	return exitUsage
}

// oneLine folds a (joined) error onto one line: its lines trimmed,
// blank ones dropped, joined by "; ", a question and its answer by a
// space (cobra's "Did you mean this?" and the commands it suggests).
func oneLine(err error) string {
	var b strings.Builder
	sep := ""
	for _, line := range strings.Split(err.Error(), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		b.WriteString(sep + line)
		sep = "; "
		if strings.HasSuffix(line, "?") {
			sep = " "
		}
	}
	return b.String()
}
