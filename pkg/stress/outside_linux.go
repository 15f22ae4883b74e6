package stress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// What an outside daemon is given, and what it is watched with: the
// parts every outside target (keepalived, FRR, exec) shares.

// findSocketTimeout bounds the search for an outside daemon's monitor
// socket: keepalived 2.2.7 with 255 VMACs opens it within a second of
// starting, zebra within two; ten leaves room for a loaded host.
const findSocketTimeout = 10 * time.Second

// findSocketPoll is how often the search looks again.
const findSocketPoll = 20 * time.Millisecond

// runDir makes the directory of the daemon called name under the lab's run
// directory, and returns it.
func runDir(l *lab.Lab, name string) (string, error) {
	dir := filepath.Join(l.Dir(), name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("%s's run directory: %w", name, err)
	}
	return dir, nil
}

// restart stops an outside daemon d, called name, and starts it again for
// r.sc: how an outside daemon takes a new buffer.
func restart(ctx context.Context, r *runner, d daemonUnderTest, name string) (*watched, error) {
	if err := d.stop(daemon.StopGrace); err != nil {
		return nil, fmt.Errorf("stop %s: %w", name, err)
	}
	w, err := d.start(ctx, r)
	return &w, err
}

// watchOutside finds a started daemon's monitor socket in the subject's
// namespace (the first rtnetlink socket with groups that match accepts)
// and watches it, with policy as the daemon's overrun behaviour. When the
// daemon exits first (exited closes), it returns whenExited's error; other
// errors name who.
func watchOutside(ctx context.Context, l *lab.Lab, who string, match func(sockdiag.Socket) bool, exited <-chan struct{}, policy string,
	whenExited func() error) (*externalMonitor, error) {
	sock, err := findMonitorSocket(ctx, l.Subject.NS.Fd(), match, exited)
	switch {
	case errors.Is(err, errTargetExited):
		return nil, whenExited()
	case err != nil:
		return nil, fmt.Errorf("%s: %w", who, err)
	}
	m, err := newExternalMonitor(l.Subject.NS.Fd(), sock, policy)
	if err != nil {
		return nil, err
	}
	if policy == "" {
		m.policy = "unknown (" + sock.Comm + ")"
	}
	return m, nil
}

// Why findMonitorSocket gave up.
var (
	errTargetExited = errors.New("it exited")
	errNoMonitor    = errors.New("no rtnetlink socket with groups")
)

// findMonitorSocket waits for an external daemon's netlink monitor: the
// first rtnetlink socket with groups in the namespace that match accepts.
// It fails with errTargetExited once exited is closed, and with
// errNoMonitor after findSocketTimeout.
func findMonitorSocket(ctx context.Context, nsFD int, match func(sockdiag.Socket) bool, exited <-chan struct{}) (sockdiag.Socket, error) {
	deadline := time.Now().Add(findSocketTimeout)
	for {
		socks, err := sockdiag.List(nsFD)
		if err != nil {
			return sockdiag.Socket{}, err
		}
		for _, s := range sockdiag.WithOwners(socks) {
			if s.Protocol == sockdiag.ProtocolRoute && len(s.Groups) > 0 && match(s) {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			return sockdiag.Socket{}, fmt.Errorf("%w within %v", errNoMonitor, findSocketTimeout)
		}
		select {
		case <-ctx.Done():
			return sockdiag.Socket{}, ctx.Err()
		case <-exited:
			return sockdiag.Socket{}, errTargetExited
		case <-time.After(findSocketPoll):
		}
	}
}

// externalMonitor watches an external daemon's monitor socket from
// outside, through sockdiag: drops, queue and buffer are the kernel's; what
// the daemon read is inferred, and its ENOBUFS are not visible.
type externalMonitor struct {
	sock   sockdiag.Socket
	policy string // the daemon's overrun behaviour, as far as known
	// fd is the daemon's socket borrowed (pidfd_getfd), read with one
	// getsockopt per sample; -1 when it could not be borrowed, and dumper
	// finds the socket through sock_diag instead (route sockets only, one
	// connection kept: BenchmarkFind compares the three ways).
	// mu keeps Close from giving fd back while a sample reads it (the
	// sampler may still hold a monitor that was replaced).
	mu     sync.Mutex
	fd     int
	dumper *sockdiag.Dumper
	// exited, when set, is closed when the daemon that owns the socket
	// has died: from then on the monitor reads as the daemon left it
	// (its last drops, nothing queued) instead of failing, and its death
	// is the run's finding. Unset, a gone daemon is an error.
	exited <-chan struct{}
	last   sockdiag.MemInfo
	frozen bool // last is final: read once after the daemon died
	// queued and since follow Idle's looks: the queue's size, and since
	// when it has not changed; stalled says the daemon was found to have
	// stopped reading (said once).
	queued  uint32
	since   time.Time
	stalled bool
}

// stallAfter is how long a daemon's queue may hold the same bytes,
// unread, before Idle calls the daemon done reading: a consumer whose
// reader ended at an overrun (vishvananda/netlink's LinkSubscribe) never
// empties it, and a window must not wait for that. No daemon measured so
// far sat on its queue this long while it still read.
const stallAfter = 5 * time.Second

// newExternalMonitor watches sock, a route socket of the namespace nsFD
// owned by sock.PID.
func newExternalMonitor(nsFD int, sock sockdiag.Socket, policy string) (*externalMonitor, error) {
	k := &externalMonitor{sock: sock, policy: policy, fd: -1}
	fd, err := sockdiag.Borrow(sock.PID, sock.Inode)
	if err == nil {
		k.fd = fd
		return k, nil
	}
	slog.Debug("cannot borrow the daemon's monitor socket; dumping sock_diag instead", "err", err)
	if k.dumper, err = sockdiag.NewDumper(nsFD, sockdiag.ProtocolRoute); err != nil {
		return nil, fmt.Errorf("watch the daemon's monitor socket: %w", err)
	}
	return k, nil
}

// errGone says the daemon's monitor socket is no more.
func (k *externalMonitor) errGone() error {
	return fmt.Errorf("the daemon's monitor socket (inode %d, pid %d) is gone: did it exit?", k.sock.Inode, k.sock.PID)
}

func (k *externalMonitor) memInfo() (sockdiag.MemInfo, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead() {
		if !k.frozen {
			// One last look: the socket lives while it is borrowed, and
			// holds the drops of the overrun that may have killed it.
			if mi, err := k.read(); err == nil {
				k.last = mi
			}
			k.frozen = true
		}
		return sockdiag.MemInfo{RcvBuf: k.last.RcvBuf, Drops: k.last.Drops}, nil
	}
	mi, err := k.read()
	if err == nil {
		k.last = mi
	}
	return mi, err
}

// dead says the daemon is known dead (exited is closed); k.mu is held.
func (k *externalMonitor) dead() bool {
	if k.exited == nil {
		return false
	}
	select {
	case <-k.exited:
		return true
	default:
		return false
	}
}

// read reads the socket's queue, buffer and drops; k.mu is held.
func (k *externalMonitor) read() (sockdiag.MemInfo, error) {
	if k.fd >= 0 {
		// A borrowed socket lives as long as it is borrowed: whether the
		// daemon still has it is whether the daemon still runs (unless
		// its death is watched for by exited).
		if k.exited == nil && unix.Kill(k.sock.PID, 0) != nil {
			return sockdiag.MemInfo{}, k.errGone()
		}
		return sockdiag.ReadMemInfo(k.fd)
	}
	if k.dumper == nil {
		return sockdiag.MemInfo{}, errors.New("the daemon's monitor is no longer watched")
	}
	s, ok, err := k.dumper.Find(k.sock.Inode)
	if err != nil {
		return sockdiag.MemInfo{}, err
	}
	if !ok {
		return sockdiag.MemInfo{}, k.errGone()
	}
	return sockdiag.MemInfo{Rmem: s.Rmem, RcvBuf: s.RcvBuf, Drops: s.Drops}, nil
}

// Close gives the borrowed socket back, or closes the sock_diag
// connection.
func (k *externalMonitor) Close() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.fd >= 0 {
		fd := k.fd
		k.fd = -1
		return unix.Close(fd)
	}
	if k.dumper == nil {
		return nil
	}
	d := k.dumper
	k.dumper = nil
	return d.Close()
}

func (k *externalMonitor) Counts() (nlmon.Counts, error) {
	mi, err := k.memInfo()
	return nlmon.Counts{Drops: uint64(mi.Drops)}, err
}

// Idle says the daemon has read everything queued, or has stopped reading
// (its queue unchanged for stallAfter).
func (k *externalMonitor) Idle() (bool, error) {
	mi, err := k.memInfo()
	if err != nil || mi.Rmem == 0 {
		return err == nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := time.Now()
	if mi.Rmem != k.queued || k.since.IsZero() {
		k.queued, k.since = mi.Rmem, now
		return false, nil
	}
	if now.Sub(k.since) < stallAfter {
		return false, nil
	}
	if !k.stalled {
		k.stalled = true
		slog.Warn("the daemon under test has stopped reading its monitor: its queue has held the same bytes unread", "bytes", mi.Rmem, "for", stallAfter, "pid", k.sock.PID)
	}
	return true, nil
}

func (k *externalMonitor) inferred() bool { return true }

func (k *externalMonitor) WaitMarker(context.Context, uint32) (nlmon.Counts, error) {
	return nlmon.Counts{}, errors.New("an external daemon's reads are not visible: no markers")
}

// describe reads the socket's buffer afresh: the daemon may set it after
// joining its groups, that is after the socket was found.
func (k *externalMonitor) describe(m *result.Monitor) {
	if mi, err := k.memInfo(); err == nil {
		k.sock.RcvBuf = mi.RcvBuf
	}
	m.Effective = int64(k.sock.RcvBuf)
	m.Capped = nlmon.Capped(m.Requested, m.Effective, m.Force)
	m.Policy, m.Cost, m.TransitionCost, m.TrackCost, m.External = k.policy, 0, 0, 0, true
	m.PID, m.Inode = k.sock.PID, k.sock.Inode
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
