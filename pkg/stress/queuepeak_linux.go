package stress

import (
	"log/slog"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/queuepeak"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// exactPeak watches the monitor under test's queue in the kernel: the
// exact high-water mark of each phase, where the sampler sees the queue
// every few milliseconds only. Where this host cannot (no BTF, no
// tracepoint, not root), the phases keep the sampled peak and the result
// says why once.
type exactPeak struct {
	mu sync.Mutex
	w  *queuepeak.Watcher
	// inode is the socket w watches; moved says it was replaced since
	// the last reset (a restarted daemon, the restart policy).
	inode uint32
	moved bool
	// unwatched says why the queue is not watched now; cannot says the
	// host cannot watch it at all (asked once).
	unwatched string
	cannot    bool
}

// follow watches the monitor's socket now, if it is not the one watched;
// a socket replaced since the last reset makes that reset's peak unknown,
// so follow goes before reset.
func (p *exactPeak) follow(r *runner) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cannot {
		return
	}
	if r.sc.NoExactPeak {
		p.give("--no-exact-peak")
		p.cannot = true
		return
	}
	d := r.described()
	if d.Inode == 0 || (p.w != nil && d.Inode == p.inode) {
		return
	}
	p.stop()
	p.moved = p.inode != 0
	ns := r.lab.Subject.NS.Fd()
	s, ok, err := sockdiag.Find(ns, d.Inode)
	if err != nil || !ok {
		// The socket went between two looks (a restarting daemon):
		// this phase's peak is unknown, the next look tries again.
		p.give(errOr(err, "the monitor's socket is gone"))
		return
	}
	var st unix.Stat_t
	if err := unix.Fstat(ns, &st); err != nil {
		p.give(err.Error())
		return
	}
	w, err := queuepeak.Watch(st.Ino, s.PortID)
	if err != nil {
		p.give(err.Error())
		p.cannot = true
		return
	}
	p.w, p.inode, p.unwatched = w, d.Inode, ""
}

// give records why the queue is not watched, and says it once.
func (p *exactPeak) give(why string) {
	if p.unwatched == "" {
		slog.Info("the queue's exact peak is not watched; the sampled peak stands", "why", why)
	}
	p.unwatched = why
}

// reset is the peak since the last reset, 0 when unknown (not watched,
// or the socket changed in between), and starts again.
func (p *exactPeak) reset() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w == nil {
		return 0
	}
	rd, err := p.w.Reset()
	moved := p.moved
	p.moved = false
	if err != nil {
		slog.Warn("the queue's exact peak", "err", err)
		return 0
	}
	if moved {
		return 0
	}
	return rd.Peak
}

// stop stops watching; p.mu is held.
func (p *exactPeak) stop() {
	if p.w != nil {
		_ = p.w.Close()
		p.w = nil
	}
}

// close stops watching for good.
func (p *exactPeak) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stop()
}

// errOr is err's text, or why when err is nil.
func errOr(err error, why string) string {
	if err != nil {
		return err.Error()
	}
	return why
}
