package main

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// A run directory that cannot be written, read-only or full, ends the run
// with one line naming it and exit 2, and leaves no lab and no daemon. The
// directory is a size-limited tmpfs over /run/nlstress in a private mount
// namespace of the test's own (unshare -m), so the host's stays as it is.
func TestRunDirectoryUnwritable(t *testing.T) {
	roottest.RequireKeepalived(t)
	if err := os.MkdirAll(lab.RunDir, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, mount string
		args        []string
		want        string
	}{
		{"read-only", "mount -t tmpfs -o size=64k nls-test /run/nlstress && mount -o remount,ro /run/nlstress",
			[]string{"run", "--vrids", "2", "--flaps", "1"}, "read-only file system"},
		// The owner record fits; keepalived's configuration of 255
		// instances (some 40 KB) does not.
		{"full", "mount -t tmpfs -o size=16k nls-test /run/nlstress",
			[]string{"run", "--target", "keepalived", "--vrids", "255", "--vmac", "--flaps", "1"}, "no space left on device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			running := keepaliveds()
			before, err := netns.List(lab.Prefix)
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", tt.mount+` && exec "$0" "$@"`)
			cmd.Args = append(cmd.Args, append([]string{bin}, tt.args...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err = cmd.Run()
			code := -1
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			last := lines[len(lines)-1]
			if code != 2 || !strings.HasPrefix(last, "nlstress: ") || !strings.Contains(last, tt.want) {
				t.Fatalf("exit %d (%v), last line %q: want exit 2 and one line saying %q", code, err, last, tt.want)
			}
			after, err := netns.List(lab.Prefix)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range after {
				if !slices.Contains(before, n) {
					t.Errorf("namespace %s left behind", n)
				}
			}
			for _, p := range keepaliveds() {
				if !slices.Contains(running, p) {
					t.Errorf("keepalived (pid %s) left running", p)
				}
			}
			t.Log(last)
		})
	}
}

// keepaliveds lists the pids of the keepalived processes running now.
func keepaliveds() []string {
	out, _ := exec.Command("pgrep", "-x", "keepalived").Output()
	return strings.Fields(string(out))
}
