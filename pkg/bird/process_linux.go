package bird

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/netns"
)

// ErrStart wraps every reason BIRD did not start.
var ErrStart = errors.New("bird did not start")

// Binary finds BIRD's daemon (bird, from Debian's bird2) and checks it
// is BIRD 2.
func Binary() (path, version string, err error) {
	path, err = exec.LookPath("bird")
	if err != nil {
		return "", "", fmt.Errorf("%w: bird not found (apt-get install bird2; scripts/install-test-deps.sh installs it and keeps it from starting on the host)", ErrStart)
	}
	ctx, cancel := context.WithTimeout(context.Background(), ctlTimeout)
	defer cancel()
	out, _ := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	version = strings.TrimSpace(string(out))
	if !strings.HasPrefix(version, "BIRD version 2.") {
		return "", "", fmt.Errorf("%w: %s says %q: nlstress runs BIRD 2", ErrStart, path, version)
	}
	return path, version, nil
}

// Options say how to start BIRD.
type Options struct {
	// Bin is BIRD's daemon, as Binary found it; Dir a directory of the
	// run's for its configuration, control socket, pid file and log.
	Bin, Dir string
	Config   Config
}

// Process is a BIRD running in a lab namespace.
type Process struct {
	*daemon.Process
	// Ctl is its control socket's path.
	Ctl string
}

// startTimeout bounds the wait for BIRD's control socket.
const startTimeout = 10 * time.Second

// Start writes bird.conf, has BIRD parse it (bird -p), and runs BIRD in
// the foreground inside ns, its log in Dir. It returns once BIRD answers
// on its control socket.
func Start(ns *netns.NS, opt Options) (*Process, error) {
	conf := filepath.Join(opt.Dir, "bird.conf")
	if err := os.WriteFile(conf, Render(opt.Config), 0o644); err != nil {
		return nil, fmt.Errorf("bird: %w", err)
	}
	var out bytes.Buffer
	check := exec.Command(opt.Bin, "-p", "-c", conf)
	check.Stdout, check.Stderr = &out, &out
	if err := check.Run(); err != nil {
		return nil, fmt.Errorf("%w: bird -p rejects %s: %s", ErrStart, conf, daemon.Head(out.String(), 3))
	}
	p := &Process{Ctl: filepath.Join(opt.Dir, "bird.ctl")}
	cmd := exec.Command(opt.Bin, "-f", "-c", conf, "-s", p.Ctl, "-P", filepath.Join(opt.Dir, "bird.pid"))
	var err error
	if p.Process, err = daemon.Start(ns, cmd, filepath.Join(opt.Dir, "bird.log")); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if c, err := Dial(p.Ctl); err == nil {
			c.Close()
			return p, nil
		}
		select {
		case <-p.Exited():
			return nil, fmt.Errorf("%w: it exited (%v): %s", ErrStart, p.Err(), daemon.Head(p.Log(), 3))
		case <-deadline.C:
			p.Stop(daemon.StopGrace)
			return nil, fmt.Errorf("%w: no control socket within %v: %s", ErrStart, startTimeout, daemon.Head(p.Log(), 3))
		case <-tick.C:
		}
	}
}
