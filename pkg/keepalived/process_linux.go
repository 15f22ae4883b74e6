package keepalived

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/netns"
)

// ErrStart is wrapped by every failure to start keepalived: a missing
// binary, a configuration it rejects, or a daemon that exits at once.
var ErrStart = errors.New("keepalived did not start")

// startTimeout bounds the wait for keepalived's VRRP process to appear.
const startTimeout = 15 * time.Second

// Options say how to run keepalived.
type Options struct {
	// Bin is the keepalived binary: a path, or a name looked up in PATH.
	// Empty means "keepalived".
	Bin string
	// Dir is the run directory for the configuration, pid files, log and
	// FIFO; it must exist.
	Dir string
	// LogConsole logs to the run directory's keepalived.log with
	// --log-console --log-detail instead of syslog. It slows keepalived's
	// event loop: the stuck-in-FAULT race then plays out differently.
	LogConsole bool
	// Global and Instances make the configuration. Global.NotifyFIFO is
	// set by Start.
	Global    Global
	Instances []Instance
	// Conf, when set, is the configuration instead: a replayed one, whose
	// notify_fifo must be FIFO(Dir).
	Conf []byte
	// Checked, when set, receives keepalived -t's complaints instead of
	// Start failing on them: keepalived -t fails on what the daemon only
	// warns about and runs (a virtual rule without a preference), and a
	// replayed configuration is one that runs in production. Start still
	// fails if keepalived then does not start.
	Checked func(complaints string)
}

// FIFO is the notify FIFO Start makes in a run directory.
func FIFO(dir string) string { return filepath.Join(dir, "notify.fifo") }

// Process is a running keepalived (VRRP subsystem only, not forked).
type Process struct {
	*daemon.Process
	dir     string
	fifo    *os.File
	vrrpPID int
	// vrrpGone is closed when the VRRP process found at start is gone
	// (keepalived respawns it: a new process, its instances starting
	// over).
	vrrpGone chan struct{}
	stopped  sync.Once

	mu      sync.Mutex
	states  map[string]Notification
	history []Notification
	// forgotten counts the lines Forget dropped from history.
	forgotten int
	changed   chan struct{}
}

// Start checks the configuration with keepalived -t, then starts
// keepalived inside ns and waits for its VRRP process. Any failure wraps
// ErrStart and quotes the first lines keepalived printed.
func Start(ns *netns.NS, opt Options) (*Process, error) {
	path, err := Binary(opt.Bin)
	if err != nil {
		return nil, err
	}
	p := &Process{dir: opt.Dir, states: map[string]Notification{}, changed: make(chan struct{})}
	fifo := FIFO(opt.Dir)
	if err := unix.Mkfifo(fifo, 0o600); err != nil && !errors.Is(err, unix.EEXIST) {
		return nil, fmt.Errorf("keepalived: mkfifo %s: %w", fifo, err)
	}
	// Read-write, so that opening does not wait for a writer and reads
	// never see end-of-file when keepalived closes its end.
	if p.fifo, err = os.OpenFile(fifo, os.O_RDWR, 0); err != nil {
		return nil, fmt.Errorf("keepalived: open %s: %w", fifo, err)
	}
	growFIFO(p.fifo)
	conf := filepath.Join(opt.Dir, "keepalived.conf")
	if err := os.WriteFile(conf, opt.text(fifo), 0o644); err != nil {
		p.fifo.Close()
		return nil, fmt.Errorf("keepalived: %w", err) // os.WriteFile names the file
	}
	if out, err := checkConfig(ns, path, conf); err != nil {
		if opt.Checked == nil {
			p.fifo.Close()
			return nil, err
		}
		opt.Checked(out)
	}
	vrrpPIDFile := filepath.Join(opt.Dir, "vrrp.pid")
	// A keepalived stopped with SIGKILL before this one left its pid file:
	// waitVRRP must not read it.
	if err := os.Remove(vrrpPIDFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		p.fifo.Close()
		return nil, fmt.Errorf("keepalived: %w", err)
	}
	args := []string{"--dont-fork", "--vrrp", "--use-file", conf, "--pid", filepath.Join(opt.Dir, "keepalived.pid"), "--vrrp_pid", vrrpPIDFile}
	if opt.LogConsole {
		args = append(args, "--log-console", "--log-detail", "--no-syslog")
	}
	cmd := exec.Command(path, args...)
	cmd.Dir = opt.Dir
	if p.Process, err = daemon.Start(ns, cmd, filepath.Join(opt.Dir, "keepalived.log")); err != nil {
		p.fifo.Close()
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	go p.readFIFO()
	if err := p.waitVRRP(vrrpPIDFile); err != nil {
		p.Stop(0)
		return nil, err
	}
	return p, nil
}

// text is keepalived.conf for opt, notifying through fifo: opt.Conf as
// given, or rendered from opt.Global and opt.Instances.
func (opt Options) text(fifo string) []byte {
	if opt.Conf != nil {
		return opt.Conf
	}
	g := opt.Global
	g.NotifyFIFO = fifo
	return Render(g, opt.Instances)
}

// Reconfigure writes opt's configuration over the running one and has
// keepalived reload it (SIGHUP). It does not wait for the reload to be
// done: the caller watches for what it expects of it (keepalived 2.2.7
// re-applies vrrp_netlink_monitor_rcv_bufs to its monitor socket on a
// reload, vrrp_daemon.c).
func (p *Process) Reconfigure(opt Options) error {
	conf := filepath.Join(p.dir, "keepalived.conf")
	if err := os.WriteFile(conf, opt.text(FIFO(p.dir)), 0o644); err != nil {
		return fmt.Errorf("keepalived: %w", err)
	}
	return p.Reload()
}

// Binary finds the keepalived binary: bin as a path or a name in PATH
// ("" means "keepalived"). A missing one is an error wrapping ErrStart that
// says what to install; callers check it before building a lab.
func Binary(bin string) (string, error) {
	if bin == "" {
		bin = "keepalived"
	}
	path, err := exec.LookPath(bin)
	if err != nil {
		return "", fmt.Errorf("%w: %s not found (apt-get install keepalived, or give --keepalived-bin)", ErrStart, bin)
	}
	if _, err := Version(path); err != nil {
		return "", err
	}
	return path, nil
}

// versionTimeout bounds keepalived --version, which answers at once.
const versionTimeout = 5 * time.Second

// Version is the first line of path --version ("Keepalived v2.2.7
// (01/16,2022)"). A program that does not say it is keepalived is an
// error wrapping ErrStart: nlstress refuses it before building a lab.
func Version(path string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	out, _ := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if !strings.HasPrefix(first, "Keepalived v") {
		if len(first) > 60 {
			first = first[:60] + "..."
		}
		return "", fmt.Errorf("%w: %s is not keepalived: its --version said %q, not \"Keepalived v...\"", ErrStart, path, first)
	}
	return first, nil
}

// checkConfig runs keepalived -t on the configuration inside ns. On
// failure it returns the first lines keepalived printed, and an error
// wrapping ErrStart that quotes them. keepalived -t also fails (exit 5)
// on a keyword it only calls deprecated, which the daemon reads and runs;
// such a configuration passes, as CheckLines passes such a line, with the
// deprecations logged.
func checkConfig(ns *netns.NS, bin, conf string) (string, error) {
	var out bytes.Buffer
	cmd := exec.Command(bin, "--config-test", "--use-file", conf)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := ns.Do(cmd.Run)
	var exit *exec.ExitError
	if err != nil && errors.As(err, &exit) && onlyDeprecations(out.String()) {
		slog.Warn("keepalived -t calls lines deprecated; keepalived reads and runs them", "said", daemon.Head(out.String(), 3))
		return "", nil
	}
	if err != nil {
		head := daemon.Head(out.String(), 3)
		return head, fmt.Errorf("%w: %s rejects %s (%v): %s", ErrStart, bin, conf, err, head)
	}
	return "", nil
}

// onlyDeprecations says whether every complaint keepalived -t printed
// calls a keyword deprecated (and there is at least one).
func onlyDeprecations(out string) bool {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if !strings.Contains(l, "deprecated") {
			return false
		}
		n++
	}
	return n > 0
}

// waitVRRP waits for the VRRP child's pid file, or for keepalived to exit.
func (p *Process) waitVRRP(pidFile string) error {
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(pidFile); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				p.vrrpPID = pid
				return p.watchVRRP()
			}
		}
		select {
		case <-p.Exited():
			return fmt.Errorf("%w: it exited (%v): %s", ErrStart, p.Err(), p.LogHead(5))
		case <-deadline.C:
			return fmt.Errorf("%w: no VRRP process within %v: %s", ErrStart, startTimeout, p.LogHead(5))
		case <-tick.C:
		}
	}
}

// watchVRRP closes vrrpGone when the VRRP process exits: a pidfd turns
// readable then (the process is keepalived's child, not ours, so it
// cannot be waited for).
func (p *Process) watchVRRP() error {
	p.vrrpGone = make(chan struct{})
	fd, err := unix.PidfdOpen(p.vrrpPID, 0)
	if errors.Is(err, unix.ESRCH) {
		close(p.vrrpGone) // gone already: what follows says how
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: watch its VRRP process %d: %v", ErrStart, p.vrrpPID, err)
	}
	go func() {
		defer close(p.vrrpGone)
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err != unix.EINTR {
				return
			}
		}
	}()
	return nil
}

// VRRPGone is closed when the VRRP process found at start has exited
// (killed, or dead of its real-time limit): keepalived starts a new one,
// whose instances start over, on another monitor socket.
func (p *Process) VRRPGone() <-chan struct{} { return p.vrrpGone }

// readFIFO records every instance state line keepalived writes.
func (p *Process) readFIFO() {
	sc := bufio.NewScanner(p.fifo)
	for sc.Scan() {
		n, err := ParseNotification(sc.Text())
		if err != nil {
			continue
		}
		n.At = time.Now()
		p.mu.Lock()
		p.states[n.Instance] = n
		p.history = append(p.history, n)
		close(p.changed)
		p.changed = make(chan struct{})
		p.mu.Unlock()
	}
}

// LogHead is the first n lines keepalived printed, or where its log went
// when it printed nothing.
func (p *Process) LogHead(n int) string {
	if s := daemon.Head(p.Log(), n); strings.TrimSpace(s) != "" {
		return s
	}
	return "no output (keepalived logs to syslog; --keepalived-log console keeps its log in the run directory)"
}

// Reload tells keepalived to reload its configuration (SIGHUP), as
// "systemctl reload keepalived" does. Its VRRP child keeps its process and
// its netlink sockets, and reopens the notify FIFO.
func (p *Process) Reload() error { return p.Signal(syscall.SIGHUP) }

// VRRPPID is the VRRP child's process id: the owner of the netlink
// monitor socket.
func (p *Process) VRRPPID() int { return p.vrrpPID }

// States returns the last state keepalived reported for each instance
// ("" for an instance it has not reported).
func (p *Process) States(names []string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = p.states[n].State
	}
	return out
}

// History returns every state line so far, in order.
func (p *Process) History() []Notification {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Notification(nil), p.history...)
}

// Notified counts every state line received, forgotten ones too.
func (p *Process) Notified() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.forgotten + len(p.history)
}

// Forget drops the state lines that arrived before t, so that a long run
// does not keep every flap's.
func (p *Process) Forget(t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := 0
	for i < len(p.history) && p.history[i].At.Before(t) {
		i++
	}
	p.history = append([]Notification(nil), p.history[i:]...)
	p.forgotten += i
}

// WaitAll blocks until keepalived reported state for every named instance,
// or ctx ends, or keepalived exits. It looks only at the notifications
// that arrived since it last looked: a storm of one line per instance
// costs it one look per line, not one per line and instance.
func (p *Process) WaitAll(ctx context.Context, names []string, state string) error {
	ours := make(map[string]bool, len(names))
	missing := map[string]bool{}
	p.mu.Lock()
	for _, n := range names {
		ours[n] = true
		if p.states[n].State != state {
			missing[n] = true
		}
	}
	// seen counts lines ever received, forgotten ones too, so that a
	// Forget while waiting skips nothing.
	seen, ch := p.forgotten+len(p.history), p.changed
	p.mu.Unlock()
	for len(missing) > 0 {
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("keepalived: %d of %d instances not %s: %w", len(missing), len(names), state, ctx.Err())
		case <-p.Exited():
			return fmt.Errorf("keepalived exited (%v) with %d of %d instances not %s", p.Err(), len(missing), len(names), state)
		}
		p.mu.Lock()
		for _, n := range p.history[max(seen-p.forgotten, 0):] {
			switch {
			case !ours[n.Instance]:
			case p.states[n.Instance].State == state:
				delete(missing, n.Instance)
			default:
				missing[n.Instance] = true
			}
		}
		seen, ch = p.forgotten+len(p.history), p.changed
		p.mu.Unlock()
	}
	return nil
}

// Stop stops keepalived as daemon.Process.Stop does (SIGTERM, on which
// keepalived removes its addresses, routes and VMACs; SIGKILL after grace)
// and closes the notify FIFO. It is idempotent.
func (p *Process) Stop(grace time.Duration) error {
	err := p.Process.Stop(grace)
	p.stopped.Do(func() { p.fifo.Close() })
	return err
}

// CheckLines has keepalived (path, as Binary found it) read lines added
// to global_defs and to a vrrp_instance, as --keepalived-global and --keepalived-instance add
// them, before any lab exists: keepalived -t on a scratch configuration
// (read only; keepalived changes nothing) in which every complaint that
// names one of the added lines, but that it is deprecated, refuses them,
// as an error wrapping ErrStart in keepalived's words. (keepalived 2.2.7
// reads linkbeat_use_polling at the top level or in an instance: inside
// global_defs it is an unknown keyword, ignored.)
func CheckLines(path string, global, instance []string) error {
	if len(global) == 0 && len(instance) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("global_defs {\n  router_id nls-check\n")
	added := map[int]string{}
	line := 2
	for _, l := range global {
		line++
		added[line] = l
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface lo\n  virtual_router_id 1\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    198.18.0.1/32\n  }\n")
	line += 10 // the lines above, up to the virtual_ipaddress block's end
	for _, l := range instance {
		line++
		added[line] = l
		b.WriteString("  " + l + "\n")
	}
	b.WriteString("}\n")
	f, err := os.CreateTemp("", "nls-keepalived-check-*.conf")
	if err != nil {
		return fmt.Errorf("check keepalived lines: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(b.String()); err != nil {
		f.Close()
		return fmt.Errorf("check keepalived lines: %w", err)
	}
	f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), versionTimeout)
	defer cancel()
	out, _ := exec.CommandContext(ctx, path, "--config-test", "--use-file", f.Name()).CombinedOutput()
	for _, m := range lineRef.FindAllStringSubmatchIndex(string(out), -1) {
		n, _ := strconv.Atoi(string(out)[m[2]:m[3]])
		said, _, _ := strings.Cut(string(out)[m[1]:], "\n")
		// A deprecated keyword still works: keepalived says so and runs it.
		if l, ok := added[n]; ok && !strings.Contains(said, "deprecated") {
			return fmt.Errorf("%w: keepalived refuses %q:%s", ErrStart, l, said)
		}
	}
	return nil
}

// lineRef is how keepalived names a line of its configuration in a
// complaint: "(Line 3)" or "(/path: Line 3)".
var lineRef = regexp.MustCompile(`\((?:[^():]*: )?Line (\d+)\)`)

// fifoSize is the pipe size asked for the notify FIFO: the largest an
// unprivileged pipe may have by default (fs.pipe-max-size).
const fifoSize = 1 << 20

// growFIFO enlarges the notify FIFO's pipe from its default 64 KiB.
// keepalived writes each notification with a non-blocking write and
// drops it when the pipe is full (vrrp_notify.c: the write's error is
// ignored): 4,080 instances starting at once write the lines of their
// BACKUP and MASTER transitions, about 260 KB, at once. A pipe that
// cannot grow keeps its size, said in the log.
func growFIFO(f *os.File) {
	rc, err := f.SyscallConn()
	if err == nil {
		cerr := rc.Control(func(fd uintptr) { _, err = unix.FcntlInt(fd, unix.F_SETPIPE_SZ, fifoSize) })
		err = errors.Join(err, cerr)
	}
	if err != nil {
		slog.Warn("the notify FIFO keeps its default size: keepalived drops notifications that do not fit", "fifo", f.Name(), "err", err)
	}
}
