package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
)

// The first signal cancels the command with the signal as the cause; a
// second ends the process at once with the shell's code for it.
func TestOnSignals(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	var stderr bytes.Buffer
	var codes []int
	sigs <- syscall.SIGTERM
	sigs <- syscall.SIGINT
	close(sigs)
	onSignals(sigs, cancel, &stderr, func(code int) { codes = append(codes, code) })
	var in interrupt
	if !errors.As(context.Cause(ctx), &in) || in.Signal() != "SIGTERM" {
		t.Fatalf("cause %v: want the first signal, SIGTERM", context.Cause(ctx))
	}
	if len(codes) != 1 || codes[0] != 130 || stderr.String() != "nlstress: SIGINT again: exiting now; 'nlstress cleanup' removes what is left\n" {
		t.Fatalf("exits %v, stderr %q: want one exit 130 on the second signal, with one line", codes, stderr.String())
	}
}
