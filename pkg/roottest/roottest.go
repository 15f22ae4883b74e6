// Package roottest holds the helpers that tests needing root, or the real
// keepalived, call first. Outside CI they skip with the reason; in CI
// (CI=true) they fail instead, so that a test that could not run never
// reads as a pass.
package roottest

import (
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run in CI (the environment variable CI is
// "true"), where nothing may be skipped for want of root or keepalived.
func InCI() bool { return os.Getenv("CI") == "true" }

// skip skips t with reason, or fails it in CI.
func skip(t testing.TB, reason string) {
	t.Helper()
	if InCI() {
		t.Fatalf("cannot run in CI: %s", reason)
	}
	t.Skip(reason)
}

// Require skips the test, with the reason, unless it runs as root: the test
// creates network namespaces and sockets that need CAP_NET_ADMIN and
// CAP_SYS_ADMIN. In CI it fails instead of skipping.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		skip(t, "needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) to create network namespaces; run the tests as root, as CI does")
	}
}

// RequireKeepalived is Require, and also skips (fails in CI) unless a
// keepalived binary is on PATH.
func RequireKeepalived(t testing.TB) {
	t.Helper()
	Require(t)
	if _, err := exec.LookPath("keepalived"); err != nil {
		skip(t, "keepalived is not installed (scripts/install-test-deps.sh installs Debian's package; CI runs it)")
	}
}

// RequireFRR is Require, and also skips (fails in CI) unless FRR's zebra
// and vrrpd are installed where Debian's frr package puts them.
func RequireFRR(t testing.TB) {
	t.Helper()
	Require(t)
	for _, d := range []string{"zebra", "vrrpd"} {
		if _, err := os.Stat("/usr/lib/frr/" + d); err != nil {
			skip(t, "FRR is not installed (scripts/install-test-deps.sh installs Debian's frr package; CI runs it)")
		}
	}
}

// RequireBIRD is Require, and also skips (fails in CI) unless BIRD 2's
// daemon is installed.
func RequireBIRD(t testing.TB) {
	t.Helper()
	Require(t)
	if _, err := exec.LookPath("bird"); err != nil {
		skip(t, "BIRD is not installed (scripts/install-test-deps.sh installs Debian's bird2 package; CI runs it)")
	}
}

// Tool returns the path of a command-line tool a test needs, and skips
// (fails in CI) when it is not installed; install says how to get it.
func Tool(t testing.TB, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		skip(t, name+" is not installed ("+install+")")
	}
	return path
}
