package stress

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"

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
	// With --bird-ospf-routes: the peer's BIRD, which originates them,
	// and a connection to the subject's kernel that counts them.
	peer   *bird.Process
	kernel *rtnetlink.Conn
	want   int
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
	if err := b.startPeer(r); err != nil {
		return watched{}, err
	}
	if b.want > 0 {
		cfg.OSPF = &bird.OSPF{Interface: r.lab.Interfaces[0].Name}
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

// startPeer starts, with --bird-ospf-routes, the peer's BIRD that
// originates the routes over OSPF on the lab's first link, and a
// connection to the subject's kernel that counts them.
func (b *birdTarget) startPeer(r *runner) error {
	b.want = r.sc.BirdOSPFRoutes
	if b.want == 0 {
		return nil
	}
	dir, err := runDir(r.lab, "bird-peer")
	if err != nil {
		return err
	}
	cfg := bird.Config{RouterID: "10.255.0.2", ScanTime: r.sc.Rescan(), OSPF: &bird.OSPF{Interface: r.lab.Interfaces[0].Name, Originate: b.want}}
	if b.peer, err = bird.Start(r.lab.Peer.NS, bird.Options{Bin: b.bin, Dir: dir, Config: cfg}); err != nil {
		return fmt.Errorf("the peer's BIRD: %w", err)
	}
	if b.kernel, err = rtnetlink.Dial(&netlink.Config{NetNS: r.lab.Subject.NS.Fd()}); err != nil {
		return fmt.Errorf("count the routes BIRD installs: dial rtnetlink: %w", err)
	}
	return nil
}

// routes counts the routes BIRD installed from the peer's (protocol
// bird, in bird.OriginatePrefix); none of none without OSPF.
func (b *birdTarget) routes() (have, want int, err error) {
	if b.kernel == nil {
		return 0, 0, nil
	}
	rs, err := b.kernel.Route.List()
	if err != nil {
		return 0, b.want, err
	}
	for _, rt := range rs {
		dst, _ := netip.AddrFromSlice(rt.Attributes.Dst)
		if rt.Family == unix.AF_INET && rt.Protocol == unix.RTPROT_BIRD && bird.OriginatePrefix.Contains(dst.Unmap()) {
			have++
		}
	}
	return have, b.want, nil
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
	if b.peer == nil {
		return
	}
	select {
	case <-b.peer.Exited():
		f.Exited = append(f.Exited, result.DaemonExit{Daemon: "bird (the peer's, originating the routes)", PID: b.peer.PID(), Status: fmt.Sprint(b.peer.Err()), LastWords: lastLine(b.peer.Log())})
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
	var errs []error
	if b.kernel != nil {
		errs = append(errs, b.kernel.Close())
		b.kernel = nil
	}
	if b.peer != nil {
		errs = append(errs, b.peer.Stop(grace))
		b.peer = nil
	}
	if b.p != nil {
		errs = append(errs, b.p.Stop(grace))
	}
	return errors.Join(errs...)
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
