package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"
)

// The first signal cancels the command with the signal as the cause; a
// second ends the process at once with the shell's code for it. The
// first signal repeated within a second (timeout(1) sends it to the
// process and to its group) is one request to stop, not two.
func TestOnSignals(t *testing.T) {
	const again = "again: exiting now; 'nlstress cleanup' removes what is left\n"
	tests := []struct {
		name   string
		sigs   []syscall.Signal
		after  []time.Duration // since the first signal
		codes  []int
		stderr string
	}{
		{"another signal", []syscall.Signal{syscall.SIGTERM, syscall.SIGINT}, []time.Duration{0, 10 * time.Millisecond}, []int{130}, "nlstress: SIGINT " + again},
		{"the same signal twice at once", []syscall.Signal{syscall.SIGTERM, syscall.SIGTERM}, []time.Duration{0, time.Millisecond}, nil, ""},
		{"the same signal a second later", []syscall.Signal{syscall.SIGTERM, syscall.SIGTERM}, []time.Duration{0, time.Second}, []int{143}, "nlstress: SIGTERM " + again},
		{"twice at once, then again", []syscall.Signal{syscall.SIGINT, syscall.SIGINT, syscall.SIGINT}, []time.Duration{0, time.Millisecond, 3 * time.Second}, []int{130}, "nlstress: SIGINT " + again},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			sigs := make(chan os.Signal, len(tt.sigs))
			for _, s := range tt.sigs {
				sigs <- s
			}
			close(sigs)
			t0, i := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC), 0
			now := func() time.Time { i++; return t0.Add(tt.after[i-1]) }
			var stderr bytes.Buffer
			var codes []int
			onSignals(sigs, cancel, &stderr, func(code int) { codes = append(codes, code) }, now)
			var in interrupt
			if !errors.As(context.Cause(ctx), &in) || in.Signal() != unixName(tt.sigs[0]) {
				t.Fatalf("cause %v: want the first signal, %s", context.Cause(ctx), unixName(tt.sigs[0]))
			}
			if len(codes) != len(tt.codes) || (len(codes) > 0 && codes[0] != tt.codes[0]) || stderr.String() != tt.stderr {
				t.Fatalf("exits %v, stderr %q: want %v and %q", codes, stderr.String(), tt.codes, tt.stderr)
			}
		})
	}
}

func unixName(s syscall.Signal) string { return interrupt{sig: s}.Signal() }
