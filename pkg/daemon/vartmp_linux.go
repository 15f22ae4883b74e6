package daemon

import (
	"fmt"
	"os"
	"os/exec"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
)

// hostVarTmp is the directory a daemon started with StartVarTmp sees
// replaced by its own.
const hostVarTmp = "/var/tmp"

// WithVarTmp returns fn made to run after the calling thread has entered a
// mount namespace of its own in which /var/tmp is dir, so that the
// processes fn starts write there instead of on the host: FRR's daemons
// make a crash-log directory /var/tmp/frr/<daemon>.<pid> that a killed
// daemon never removes. The new namespace is a slave of the host's
// (nothing mounted in it reaches the host). Call the result only on a
// thread that is discarded afterwards, as netns.Do's is. dir is made
// world-writable and sticky, like /var/tmp, since daemons drop root.
func WithVarTmp(dir string, fn func() error) func() error {
	return func() error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("daemon's /var/tmp: %w", err)
		}
		if err := os.Chmod(dir, 0o777|os.ModeSticky); err != nil {
			return fmt.Errorf("daemon's /var/tmp: %w", err)
		}
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			return fmt.Errorf("daemon's own mount namespace: %w", err)
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
			return fmt.Errorf("daemon's own mount namespace: make / a slave: %w", err)
		}
		if err := unix.Mount(dir, hostVarTmp, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("daemon's own mount namespace: bind %s on %s: %w", dir, hostVarTmp, err)
		}
		return fn()
	}
}

// StartVarTmp is Start with the daemon in a mount namespace of its own in
// which /var/tmp is varTmp (see WithVarTmp): what the daemon leaves there
// is inside the run's directory and goes with it, even after a SIGKILL.
func StartVarTmp(ns *netns.NS, cmd *exec.Cmd, logPath, varTmp string) (*Process, error) {
	return start(ns, cmd, logPath, WithVarTmp(varTmp, cmd.Start))
}
