// Command nlstress stress-tests and diagnoses Linux netlink consumers such
// as keepalived: it measures what a daemon's rtnetlink monitor socket loses
// in a link-flap storm, and which receive buffer would have been enough.
//
// Exit codes: 0 ok, 1 a finding (loss, stuck instances, regression),
// 2 usage or environment error.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/nlstress/nlstress/pkg/result"
)

// Exit codes.
const (
	exitOK      = 0
	exitFinding = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// execute runs the command line args and returns the process exit code.
// Errors are printed to stderr as one line.
func execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(stderr, "nlstress: %v\n", err)
	if errors.Is(err, result.ErrFinding) {
		return exitFinding
	}
	return exitUsage
}
