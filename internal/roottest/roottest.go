// Package roottest holds the one helper that tests needing root call.
package roottest

import (
	"os"
	"testing"
)

// Require skips the test, with the reason, unless it runs as root: the test
// creates network namespaces and sockets that need CAP_NET_ADMIN and
// CAP_SYS_ADMIN. CI runs as root, so there these tests always run.
func Require(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN) to create network namespaces; run the tests as root, as CI does")
	}
}
