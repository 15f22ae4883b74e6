package stress

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/bird"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/target"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

func init() { targets[target.BIRD] = newBirdTarget }

// birdTarget is BIRD 2 as the subject: no VRRP; each VRID is a macvlan
// the lab makes on the flapped interface, and an instance is "MASTER"
// while BIRD believes its macvlan up, "FAULT" while it believes it down.
type birdTarget struct {
	bin, ver string
	p        *bird.Process
	view     *birdSubject
	// logOff is how much of BIRD's log afterFlap has read.
	logOff int64
}

func newBirdTarget(scenario.Scenario) (daemonUnderTest, error) {
	bin, ver, err := bird.Binary()
	if err != nil {
		return nil, err
	}
	return &birdTarget{bin: bin, ver: ver}, nil
}

// labSpec has a macvlan per VRID: the links BIRD follows.
func (*birdTarget) labSpec(sc scenario.Scenario) lab.Spec { return baseLab(sc, true) }

// groups are those of BIRD's netlink socket (seen with sock_diag:
// 0x551): links, IPv4 and IPv6 addresses and routes.
func (*birdTarget) groups(scenario.Scenario, *replay.Replay) []nlmon.Group {
	return []nlmon.Group{nlmon.GroupLink, nlmon.GroupIPv4Addr, nlmon.GroupIPv4Route, nlmon.GroupIPv6Addr, nlmon.GroupIPv6Route}
}

func (b *birdTarget) start(ctx context.Context, r *runner) (watched, error) {
	dir, err := runDir(r.lab, "bird")
	if err != nil {
		return watched{}, err
	}
	cfg := bird.Config{RouterID: "10.255.0.1", ScanTime: bird.DefaultScanTime}
	if size, _, dflt := r.sc.MonitorBuffer(); !dflt {
		cfg.RxBuffer = int64(size)
	}
	b.logOff = 0
	if b.p, err = bird.Start(r.lab.Subject.NS, bird.Options{Bin: b.bin, Dir: dir, Config: cfg}); err != nil {
		return watched{}, err
	}
	pid := b.p.PID()
	m, err := watchOutside(ctx, r.lab, fmt.Sprintf("bird (pid %d)", pid), func(s sockdiag.Socket) bool { return s.PID == pid },
		b.p.Exited(), fmt.Sprintf("resync at the next scan (every %v)", cfg.ScanTime), func() error {
			return fmt.Errorf("%w: it exited: %s", bird.ErrStart, b.p.Log())
		})
	if err != nil {
		b.p.Stop(0)
		return watched{}, err
	}
	m.exited = b.p.Exited()
	var names []string
	for _, in := range r.lab.Instances {
		names = append(names, lab.VMACName(in.Interface, in.VRID))
	}
	if b.view, err = watchBird(b.p.Ctl, names); err != nil {
		b.p.Stop(0)
		return watched{}, err
	}
	return watched{subject: b.view, monitor: m}, nil
}

// afterFlap counts the lines in which BIRD said the kernel dropped its
// messages during the flap, beside the kernel's own count.
func (b *birdTarget) afterFlap(f *result.Flap) {
	text, err := b.p.LogFrom(b.logOff)
	if err != nil {
		return
	}
	text = text[:strings.LastIndexByte(text, '\n')+1]
	b.logOff += int64(len(text))
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, bird.DroppedLine) {
			f.Overruns = append(f.Overruns, strings.TrimSpace(l))
		}
	}
	select {
	case <-b.p.Exited():
		f.Exited = append(f.Exited, result.DaemonExit{Daemon: "bird", PID: b.p.PID(), Status: fmt.Sprint(b.p.Err()), LastWords: lastLine(b.p.Log())})
	default:
	}
}

// setBuffer restarts BIRD with the new netlink rx buffer.
func (b *birdTarget) setBuffer(ctx context.Context, r *runner) (*watched, error) {
	return restart(ctx, r, b, "bird")
}

func (b *birdTarget) stop(grace time.Duration) error {
	if b.view != nil {
		b.view.close()
		b.view = nil
	}
	if b.p == nil {
		return nil
	}
	return b.p.Stop(grace)
}

func (b *birdTarget) version() string { return b.ver }

// birdPoll is how often the run asks BIRD what it believes: the
// resolution of its recovery times. Each question costs BIRD a little of
// the time it reads its netlink socket with.
const birdPoll = 50 * time.Millisecond

// birdSubject is BIRD's view of the instances' macvlans, asked on its
// control socket every birdPoll.
type birdSubject struct {
	c       *bird.Client
	names   []string
	index   map[string]int
	mu      sync.Mutex
	states  []vrrp.State
	history []vrrp.Transition
	changed chan struct{}
	err     error
	done    chan struct{}
	stopped sync.Once
}

// watchBird connects to BIRD's control socket and starts asking.
func watchBird(ctl string, names []string) (*birdSubject, error) {
	c, err := bird.Dial(ctl)
	if err != nil {
		return nil, err
	}
	s := &birdSubject{c: c, names: names, index: map[string]int{}, states: make([]vrrp.State, len(names)),
		changed: make(chan struct{}), done: make(chan struct{})}
	for i, n := range names {
		s.index[n] = i
	}
	if err := s.poll(); err != nil {
		c.Close()
		return nil, err
	}
	go s.run()
	return s, nil
}

func (s *birdSubject) run() {
	t := time.NewTicker(birdPoll)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		if err := s.poll(); err != nil {
			s.mu.Lock()
			s.err = err
			close(s.changed)
			s.changed = make(chan struct{})
			s.mu.Unlock()
			slog.Warn("bird's view", "err", err)
			return
		}
	}
}

// poll asks BIRD once and records what changed.
func (s *birdSubject) poll() error {
	links, err := s.c.Interfaces()
	if err != nil {
		return err
	}
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	moved := false
	for _, l := range links {
		i, ok := s.index[l.Name]
		if !ok {
			continue
		}
		to := vrrp.Fault
		if l.Up() {
			to = vrrp.Master
		}
		if s.states[i] != to {
			s.history = append(s.history, vrrp.Transition{At: now, Instance: i, From: s.states[i], To: to})
			s.states[i], moved = to, true
		}
	}
	if moved {
		close(s.changed)
		s.changed = make(chan struct{})
	}
	return nil
}

func (s *birdSubject) close() {
	s.stopped.Do(func() {
		close(s.done)
		s.c.Close()
	})
}

// WaitAll waits until BIRD believes every instance's macvlan in st
// (Master: up, Fault: down).
func (s *birdSubject) WaitAll(ctx context.Context, st vrrp.State) error {
	for {
		s.mu.Lock()
		missing := 0
		for _, x := range s.states {
			if x != st {
				missing++
			}
		}
		ch, err := s.changed, s.err
		s.mu.Unlock()
		switch {
		case missing == 0:
			return nil
		case err != nil:
			return fmt.Errorf("bird: %d of %d links not %s: %w", missing, len(s.names), st, err)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("bird: %d of %d links not %s: %w", missing, len(s.names), st, ctx.Err())
		}
	}
}

func (s *birdSubject) States() []vrrp.State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]vrrp.State(nil), s.states...)
}

func (s *birdSubject) Transitions() []vrrp.Transition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]vrrp.Transition(nil), s.history...)
}
