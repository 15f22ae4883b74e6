package stress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// samplerInterval is how often the sampler reads the monitor's queue.
const samplerInterval = 2 * time.Millisecond

// runner holds the moving parts of one run.
type runner struct {
	sc      scenario.Scenario
	lab     *lab.Lab
	subject *vrrp.Router
	peer    *vrrp.Router
	monitor *nlmon.Monitor
	oracle  *nlmon.Oracle
	sampler *sockdiag.Sampler

	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	errs   []error
}

// groups are the monitor's groups: keepalived's, plus the route and rule
// groups when virtual routes are tracked.
func groups(sc scenario.Scenario) []nlmon.Group {
	g := append([]nlmon.Group(nil), nlmon.KeepalivedGroups...)
	if sc.RoutesPerVRID > 0 {
		g = append(g, nlmon.RouteGroups...)
	}
	return g
}

// start opens the oracle and the monitor, then starts the routers, the
// monitor's reader and the sampler. On error it stops what it started.
func start(ctx context.Context, sc scenario.Scenario, l *lab.Lab) (_ *runner, err error) {
	r := &runner{sc: sc, lab: l}
	defer func() {
		if err != nil {
			r.stop(nil)
		}
	}()
	fd := l.Subject.NS.Fd()
	if r.oracle, err = nlmon.OpenOracle(fd, groups(sc)); err != nil {
		return nil, err
	}
	sock, err := nlmon.Open(nlmon.Config{NetNS: fd, Groups: groups(sc), RcvBuf: sc.RcvBuf, Force: sc.Force, NoENOBUFS: sc.NoENOBUFS})
	if err != nil {
		return nil, err
	}
	r.monitor = nlmon.NewMonitor(sock, sc.ConsumerCost, nlmon.Policy(sc.OnOverrun))
	if r.peer, err = vrrp.NewRouter(vrrp.RouterConfig{Name: "peer", NS: l.Peer.NS, Instances: instanceSpecs(sc, l, lab.RolePeer)}); err != nil {
		sock.Close()
		return nil, err
	}
	if r.subject, err = vrrp.NewRouter(vrrp.RouterConfig{Name: "subject", NS: l.Subject.NS, Instances: instanceSpecs(sc, l, lab.RoleSubject), Track: true}); err != nil {
		sock.Close()
		r.peer.Close()
		r.peer = nil
		return nil, err
	}
	r.sampler = sockdiag.NewReadSampler(func() (sockdiag.MemInfo, error) { return r.monitor.Socket().MemInfo() }, samplerInterval)

	var rctx context.Context
	rctx, r.cancel = context.WithCancel(ctx)
	r.spawn(rctx, "peer router", r.peer.Run)
	r.spawn(rctx, "subject router", r.subject.Run)
	subject := r.subject
	r.spawn(rctx, "monitor", func(ctx context.Context) error {
		defer r.monitor.Socket().Close()
		return r.monitor.Run(ctx, func(ev *nlmon.Event) {
			link := ev.Type == nlmon.TypeNewLink || ev.Type == nlmon.TypeDelLink
			subject.Notify(vrrp.LinkEvent{Link: link, Index: ev.Index, Up: ev.Type == nlmon.TypeNewLink && ev.LinkUp()})
		})
	})
	r.spawn(rctx, "sampler", func(ctx context.Context) error { r.sampler.Run(ctx); return nil })
	slog.Info("monitor open", "groups", groups(sc), "requested", int64(sc.RcvBuf), "effective", int64(sock.Effective()),
		"force", sc.Force, "capped", sock.Capped(), "policy", sc.OnOverrun, "cost", sc.ConsumerCost)
	return r, nil
}

// spawn runs fn in its own goroutine; stop waits for it, and its error
// fails the run.
func (r *runner) spawn(ctx context.Context, name string, fn func(context.Context) error) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		if err := fn(ctx); err != nil {
			r.mu.Lock()
			r.errs = append(r.errs, fmt.Errorf("%s: %w", name, err))
			r.mu.Unlock()
		}
	}()
}

// failed returns the first error of a background part, if any.
func (r *runner) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return errors.Join(r.errs...)
}

// stop stops everything and, with res, records the routers' and the
// monitor's final counters.
func (r *runner) stop(res *result.Result) error {
	if r.cancel != nil {
		r.cancel()
		r.wg.Wait()
	} else {
		if r.monitor != nil {
			r.monitor.Socket().Close()
		}
	}
	if r.oracle != nil {
		r.oracle.Close()
	}
	if res != nil && r.subject != nil {
		res.Subject = counters(r.subject.Counters())
		res.Peer = counters(r.peer.Counters())
	}
	return r.failed()
}

func counters(c vrrp.Counters) *result.RouterCounters {
	return &result.RouterCounters{
		AdvertsSent: c.AdvertsSent, AdvertsReceived: c.AdvertsReceived, SendErrors: c.SendErrors,
		Discarded: c.Discarded, Transitions: c.Transitions, NetlinkRequests: c.NetlinkRequests,
		NetlinkErrors: c.NetlinkErrors, NetlinkESRCH: c.NetlinkESRCH, LinkEvents: c.LinkEvents,
	}
}
