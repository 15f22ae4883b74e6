package stress

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/bird"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/target"
)

func init() { targets[target.BIRD] = newBirdTarget }

// birdTarget is BIRD 2 as the subject: no VRRP; each VRID is a macvlan
// the lab makes on the flapped interface, and an instance is "MASTER"
// while BIRD believes its macvlan up, "FAULT" while it believes it down.
type birdTarget struct {
	bin, ver string
	p        *bird.Process
	ctl      *bird.Client
	view     *beliefView
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
	cfg := bird.Config{RouterID: "10.255.0.1", ScanTime: r.sc.Rescan()}
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
	if b.ctl, err = bird.Dial(b.p.Ctl); err != nil {
		b.p.Stop(0)
		return watched{}, err
	}
	if b.view, err = watchBelief("bird", names, birdPoll, askBird(b.ctl)); err != nil {
		b.ctl.Close()
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
func (b *birdTarget) setBuffer(ctx context.Context, r *runner) (bufferChange, error) {
	return restartedWith(restart(ctx, r, b, "bird"))
}

func (b *birdTarget) stop(grace time.Duration) error {
	if b.view != nil {
		b.view.close()
		b.ctl.Close()
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

// askBird returns the question a beliefView asks BIRD on its control
// socket: "show interfaces", AdminUp and LinkUp.
func askBird(c *bird.Client) func() (map[string]bool, error) {
	return func() (map[string]bool, error) {
		links, err := c.Interfaces()
		if err != nil {
			return nil, err
		}
		up := make(map[string]bool, len(links))
		for _, l := range links {
			up[l.Name] = l.Up()
		}
		return up, nil
	}
}
