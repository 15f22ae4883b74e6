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

	"github.com/nlstress/nlstress/pkg/keepalived"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// findSocketTimeout bounds the search for keepalived's monitor socket.
const findSocketTimeout = 10 * time.Second

// startKeepalived starts a real keepalived as the subject, with a
// configuration equivalent to the scenario, and finds its netlink monitor
// socket through sockdiag. keepalived creates its own VMACs (use_vmac).
func (r *runner) startKeepalived(ctx context.Context, sc scenario.Scenario, l *lab.Lab) error {
	var extra string
	if sc.KeepalivedConfExtra != "" {
		b, err := os.ReadFile(sc.KeepalivedConfExtra)
		if err != nil {
			return fmt.Errorf("%w: --keepalived-conf-extra: %w", scenario.ErrInvalid, err)
		}
		extra = string(b)
	}
	dir := filepath.Join(l.Dir(), "keepalived")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("keepalived: %w", err)
	}
	// With no --rcvbuf, no rcv_bufs lines: keepalived's own default (or,
	// replayed, the configuration's own lines).
	global := keepalived.Global{RouterID: "nls-" + l.RunID, Extra: extra}
	size, force, dflt := sc.MonitorBuffer()
	if !dflt {
		global.RcvBuf, global.Force = int64(size), force
	}
	opt := keepalived.Options{Bin: sc.KeepalivedBin, Dir: dir, Global: global, LogConsole: sc.KeepalivedLog == scenario.LogConsole}
	var names, vmacs []string
	if r.replay != nil {
		names = r.replay.Names()
		for _, in := range r.replay.Instances {
			vmacs = append(vmacs, in.VMAC)
		}
		opt.Conf = r.replay.Render(keepalived.FIFO(dir), replay.Buffer{Set: !dflt, Bytes: int64(size), Force: force})
		opt.Checked = func(complaints string) {
			w := "keepalived -t fails on the file but keepalived runs it, as in production; it said: " + r.replay.Explain(complaints)
			slog.Warn(w)
			r.replay.Warn(w)
		}
	} else {
		names, vmacs, opt.Instances = generated(sc, l, r.subjectSpecs)
	}
	p, err := keepalived.Start(l.Subject.NS, opt)
	if err != nil {
		if r.replay != nil {
			return explained{msg: r.replay.Explain(err.Error()), err: err}
		}
		return err
	}
	r.stopTarget = p.Stop
	// Its monitor is the VRRP process's rtnetlink socket that joined
	// groups (its command socket joins none).
	sock, err := findMonitorSocket(ctx, l.Subject.NS.Fd(), func(s sockdiag.Socket) bool { return s.PID == p.VRRPPID() }, p.Exited())
	switch {
	case errors.Is(err, errTargetExited):
		return fmt.Errorf("%w: it exited: %s", keepalived.ErrStart, p.LogHead(5))
	case err != nil:
		return fmt.Errorf("keepalived (pid %d): %w", p.VRRPPID(), err)
	}
	r.subject, r.keepalived = newKeepalivedSubject(p, names), p
	if opt.LogConsole {
		r.learn = r.learnFromLog(p, vmacs)
	}
	m, err := newExternalMonitor(l.Subject.NS.Fd(), sock, "none (keepalived)")
	if err != nil {
		return err
	}
	r.setMonitor(m)
	return nil
}

// learnFromLog returns a learn function that reads what keepalived logged
// since its last call and records its "Netlink reports" lines as what its
// monitor believes. keepalived logs a link only when its belief changes,
// which is all missed needs. The first call (after convergence: keepalived
// has made its VMACs) also finds the subject's links by name, VMACs
// included; this keepalived keeps them until it stops.
func (r *runner) learnFromLog(p *keepalived.Process, vmacs []string) func() error {
	var off int64
	var byName map[string]uint32
	return func() error {
		if byName == nil {
			links, err := r.lab.Subject.Conn.Link.List()
			if err != nil {
				return fmt.Errorf("list the subject's links: %w", err)
			}
			byName = make(map[string]uint32, len(links))
			for _, l := range links {
				if l.Attributes != nil {
					byName[l.Attributes.Name] = l.Index
				}
			}
			for i, name := range vmacs {
				if name != "" {
					r.vmacs[i] = byName[name]
				}
			}
		}
		text, err := p.LogFrom(off)
		if err != nil {
			return err
		}
		// A line still being written waits for the next call.
		text = text[:strings.LastIndexByte(text, '\n')+1]
		off += int64(len(text))
		for _, rep := range keepalived.LinkReports(text) {
			if idx, ok := byName[rep.Interface]; ok {
				r.believe(idx, rep.Up)
			}
		}
		return nil
	}
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
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// explained is an error whose text points into the user's configuration
// rather than into the one the lab rendered from it.
type explained struct {
	msg string
	err error
}

func (e explained) Error() string { return e.msg }
func (e explained) Unwrap() error { return e.err }

// generated is the configuration nlstress writes for a scenario: the
// instances' names, their VMACs' names, and the instances.
func generated(sc scenario.Scenario, l *lab.Lab, specs []vrrp.InstanceSpec) (names, vmacs []string, instances []keepalived.Instance) {
	for i, s := range specs {
		in := l.Instances[i]
		name := keepalived.InstanceName(i)
		ki := keepalived.Instance{
			Name: name, Interface: l.Interfaces[in.Interface].Name, VRID: s.Config.VRID, Priority: s.Config.Priority,
			Version: sc.Version, Interval: sc.AdvertInterval, VIPs: s.Config.Addrs, Routes: s.Routes, Via: s.RouteGateway,
		}
		if sc.VMAC {
			ki.VMAC = lab.VMACName(in.Interface, in.VRID)
		}
		names, vmacs, instances = append(names, name), append(vmacs, ki.VMAC), append(instances, ki)
	}
	return names, vmacs, instances
}

// keepalivedSubject sees keepalived's instances through its notify FIFO.
type keepalivedSubject struct {
	p     *keepalived.Process
	names []string
	index map[string]int // name → instance
}

func newKeepalivedSubject(p *keepalived.Process, names []string) *keepalivedSubject {
	k := &keepalivedSubject{p: p, names: names, index: make(map[string]int, len(names))}
	for i, n := range names {
		k.index[n] = i
	}
	return k
}

// state maps keepalived's state names to the engine's.
func state(s string) vrrp.State {
	switch s {
	case "MASTER":
		return vrrp.Master
	case "BACKUP":
		return vrrp.Backup
	case "FAULT":
		return vrrp.Fault
	}
	return vrrp.Initialize
}

func (k *keepalivedSubject) WaitAll(ctx context.Context, s vrrp.State) error {
	return k.p.WaitAll(ctx, k.names, s.String())
}

func (k *keepalivedSubject) States() []vrrp.State {
	names := k.p.States(k.names)
	out := make([]vrrp.State, len(names))
	for i, n := range names {
		out[i] = state(n)
	}
	return out
}

func (k *keepalivedSubject) Transitions() []vrrp.Transition {
	last := map[int]vrrp.State{}
	var out []vrrp.Transition
	for _, n := range k.p.History() {
		i, ok := k.index[n.Instance]
		if !ok {
			continue
		}
		to := state(n.State)
		out = append(out, vrrp.Transition{At: n.At, Instance: i, From: last[i], To: to})
		last[i] = to
	}
	return out
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
}

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

func (k *externalMonitor) Idle() (bool, error) {
	mi, err := k.memInfo()
	return err == nil && mi.Rmem == 0, err
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
