package stress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/capacity"
	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/hostload"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/preflight"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/target"
)

// Session is a built lab whose routers have converged, counting from a
// quiet namespace: flap it as often as needed, change the monitor's
// buffer between flaps, close it. Run is a Session flapped sc.Flaps
// times; a sweep keeps one Session per VRID count and changes only the
// buffer between series of flaps, so that confirming a buffer over many
// flaps does not cost a lab per flap.
type Session struct {
	sc  scenario.Scenario
	lab *lab.Lab
	r   *runner
	res result.Result
	t0  time.Time
	// mark is the monitor's counts at the end of the last phase.
	mark      nlmon.Counts
	recovered []time.Duration
	// converged is how long the routers took to converge the first time.
	converged time.Duration
	// unlimit undoes limitHarness.
	unlimit func()
	// load is the competing CPU work, from the first convergence on.
	load *hostload.Load
	// broken is why the last flap failed, if it did: the daemon may be
	// dead, and Reconfigure starts a new one.
	broken error
	// inFlap is the flap begun and not finished (0: none): one that a
	// signal cut short is discarded, its windows being open.
	inFlap int
}

// Open validates sc, checks the host, removes the labs of dead runs,
// builds the lab, starts the routers and waits for them to converge. The
// result describes the host and the lab, even on error. On error nothing
// is left behind (unless sc.KeepLab).
func Open(ctx context.Context, sc scenario.Scenario) (_ *Session, res result.Result, err error) {
	if err := sc.Validate(); err != nil {
		return nil, res, err
	}
	d, err := newDaemon(sc)
	if err != nil {
		return nil, res, err
	}
	rp, sc, err := loadReplay(sc)
	if err != nil {
		return nil, res, err
	}
	if err := checkFlapInterfaces(labSpec(d, sc, rp), sc.FlapInterfaces); err != nil {
		return nil, res, err
	}
	if err := preflight.Check(preflight.Needs{Macvlan: sc.VMAC}); err != nil {
		return nil, res, err
	}
	res = result.Result{SchemaVersion: result.SchemaVersion, Started: time.Now().UTC(), Scenario: sc, Target: sc.Target}
	if v, ok := d.(versioned); ok {
		res.Daemon = v.version()
	}
	if rp != nil {
		res.Replay = rp.Describe()
	}
	if res.Host, err = preflight.ReadHost(); err != nil {
		return nil, res, err
	}
	slog.Debug("host", "kernel", res.Host.Kernel, "rmem_max", res.Host.RmemMax, "rmem_default", res.Host.RmemDefault)

	// Labs of runs that died (SIGKILL, a crashed CI job) are removed
	// first, so that they neither skew this run nor pile up.
	left, err := lab.Cleanup(false)
	for _, lo := range left {
		if !strings.HasPrefix(lo.Action, "kept") {
			slog.Warn("removed what a dead run left", "kind", lo.Kind, "name", lo.Name, "action", lo.Action)
		}
	}
	if err != nil {
		return nil, res, fmt.Errorf("remove labs of dead runs: %w", err)
	}

	s := &Session{sc: sc, t0: time.Now()}
	s.unlimit = limitHarness(sc)
	l, err := lab.Build(ctx, labSpec(d, sc, rp))
	if err != nil {
		s.unlimit()
		if ctx.Err() != nil && !errors.Is(err, lab.ErrTeardown) {
			return nil, res, fmt.Errorf("%w: the half-built lab was removed", context.Cause(ctx))
		}
		return nil, res, err
	}
	s.lab = l
	res.Lab = describe(l)
	if target.Of(sc.Target).OwnVMACs && sc.VMAC {
		res.Lab.VMACs = res.Lab.Instances // the daemon's own (keepalived's use_vmac)
	}
	res.Lab.BuildTime = time.Since(s.t0)
	s.res = res
	slog.Info("lab built", "run", l.RunID, "instances", res.Lab.Instances, "vmacs", res.Lab.VMACs, "took", res.Lab.BuildTime.Round(time.Millisecond))

	if s.r, err = start(ctx, &s.sc, l, rp, d); err == nil {
		s.res.Monitor = s.r.describeMonitor()
		s.res.Lab.Flapped, s.res.Lab.FlappedInstances = s.r.links.Names, len(s.r.flapped.instances)
		if rp != nil {
			s.res.Replay = rp.Describe() // with what keepalived -t said
		}
		err = s.settle(ctx, true)
	}
	if err == nil && sc.HostLoad > 0 {
		s.load, err = hostload.Start(l.Subject.NS, l.Dir(), sc.HostLoad)
	}
	if err != nil {
		res, err := s.Close(ctx, err)
		return nil, res, err
	}
	return s, s.res, nil
}

// settle waits for the routers to converge and the namespace to fall
// quiet, and starts counting from there. first says it is the lab's first
// convergence, whose time the result records.
func (s *Session) settle(ctx context.Context, first bool) error {
	r := s.r
	t0 := time.Now()
	if err := r.converge(ctx); err != nil {
		return err
	}
	converged := time.Since(t0)
	slog.Info("converged", "subject", "all MASTER", "peer", "all BACKUP", "took", converged.Round(time.Millisecond))
	if first {
		s.converged = converged
	}
	if err := r.win.Quiesce(ctx); err != nil {
		return err
	}
	flap.Hold(ctx, r.built.Add(flap.LinkwatchQuantum)) // new links settle first
	mark, _, err := r.win.Close(ctx)
	if err != nil {
		return err
	}
	s.mark = mark
	if err := r.learnBelief(); err != nil {
		return err
	}
	r.linkLost(nil) // forget what convergence read
	return nil
}

// Flap takes the subject's links down and up once, measures both
// transitions and adds the flap to the session's result.
func (s *Session) Flap(ctx context.Context) (result.Flap, error) {
	k := len(s.res.Flaps) + 1
	if ctx.Err() != nil {
		return result.Flap{}, fmt.Errorf("flap %d not begun: %w", k, context.Cause(ctx))
	}
	s.inFlap = k
	if s.load != nil {
		_, _ = s.load.Since() // the flap's share is measured from here
	}
	f, rec, err := s.r.flap(ctx, k, &s.mark)
	if err == nil {
		err = s.r.failed()
	}
	if s.load != nil && err == nil {
		share, lerr := s.load.Since()
		if lerr != nil {
			slog.Warn("host load over the flap not read", "flap", k, "err", lerr)
		}
		f.HostLoad = &share
	}
	if err != nil {
		s.broken = err
		return f, fmt.Errorf("flap %d: %w", k, err)
	}
	if d, ok := s.r.daemon.(flapReporter); ok {
		d.afterFlap(&f)
	}
	for _, x := range f.Exited {
		slog.Error("the daemon under test died", "flap", k, "daemon", x.Daemon, "pid", x.PID, "status", x.Status, "last_words", x.LastWords)
	}
	s.res.Flaps = append(s.res.Flaps, f)
	s.recovered = append(s.recovered, rec...)
	s.inFlap = 0
	slog.Info("flap done", "flap", k, "stuck", len(f.Stuck), "storm", f.Down.Storm.Messages+f.Up.Storm.Messages,
		"drops", f.Down.Drops+f.Up.Drops, "enobufs", f.Down.ENOBUFS+f.Up.ENOBUFS, "recovery_p95", f.Recovery.P95.Round(time.Millisecond))
	return f, nil
}

// SetBuffer gives the monitor under test a new receive buffer, forced,
// for the flaps that follow: the engine's monitor socket is resized in
// place; keepalived reloads a configuration with the new
// vrrp_netlink_monitor_rcv_bufs (restarted where the reload does not
// change its socket), FRR and BIRD are restarted with theirs, and the
// session waits for them to converge again. It returns the effective
// size the kernel granted.
func (s *Session) SetBuffer(ctx context.Context, size bytesize.Size) (int64, error) {
	s.sc.RcvBuf, s.sc.Force = size, true
	ch, err := s.r.setBuffer(ctx)
	if err != nil {
		return 0, fmt.Errorf("set the monitor's buffer to %d: %w", size, err)
	}
	if ch.settle {
		if err := s.settle(ctx, false); err != nil {
			return 0, fmt.Errorf("after giving %s buffer %d: %w", s.sc.Target, size, err)
		}
	}
	m := s.r.describeMonitor()
	return m.Effective, nil
}

// Dead says the daemon under test died in the last flap: later flaps
// would measure nothing.
func (s *Session) Dead() bool {
	n := len(s.res.Flaps)
	return n > 0 && len(s.res.Flaps[n-1].Exited) > 0
}

// Close stops the routers and the target, removes the lab (unless
// sc.KeepLab) and returns the result of every flap so far. runErr is what
// stopped the caller, if anything: Close returns it wrapped with the
// run's id, joined with its own errors. Without one, a run that found
// stuck instances or loss returns an error wrapping result.ErrFinding,
// and one whose oracle dropped messages an error of its own.
func (s *Session) Close(ctx context.Context, runErr error) (res result.Result, err error) {
	defer s.unlimit()
	r, l := s.r, s.lab
	if s.load != nil {
		share, lerr := s.load.Stop()
		s.res.HostLoad = &share
		if lerr != nil && runErr == nil {
			runErr = fmt.Errorf("stop the host load: %w", lerr)
		}
		slog.Info("host load", "asked_pct", share.Asked, "achieved_pct", fmt.Sprintf("%.1f", share.Achieved), "cpus", share.CPUs)
	}
	if r != nil {
		// A run stopped from outside is added up too: the flaps it
		// finished are measured.
		if (runErr == nil || ctx.Err() != nil) && len(s.res.Flaps) > 0 {
			s.finish()
		}
		if stopErr := r.stop(&s.res); runErr == nil {
			runErr = stopErr
		}
	}
	res = s.res
	if runErr != nil {
		err = fmt.Errorf("run %s: %w", l.RunID, runErr)
	}
	what := "removed"
	if s.sc.KeepLab {
		res.Lab.Kept, what = true, "kept (--keep-lab)"
	} else if terr := l.Teardown(); terr != nil {
		return res, errors.Join(err, terr)
	}
	if ctx.Err() != nil {
		// Stopped from outside (a signal): say so in one line, with
		// what became of the lab, instead of whatever the
		// cancellation broke along the way.
		return res, fmt.Errorf("%w: lab %s %s", context.Cause(ctx), l.RunID, what)
	}
	if err != nil || res.Verdict == nil {
		return res, err
	}
	if res.Verdict.Status == result.StatusError {
		// Not a finding about the subject: the measurement itself failed.
		return res, fmt.Errorf("run %s: %s", l.RunID, res.Verdict.Line)
	}
	if res.Verdict.Status != result.StatusPass || res.Totals.Unbalanced() {
		return res, fmt.Errorf("%w: %s", result.ErrFinding, res.Verdict.Line)
	}
	return res, nil
}

// finish adds up the flaps: totals, the monitor as it ended, the
// recommendation and the verdict.
func (s *Session) finish() {
	res := &s.res
	totals := result.Total(res.Flaps, s.recovered, len(s.r.flapped.instances))
	totals.Converged = s.converged
	totals.RunTime = time.Since(s.t0)
	res.Totals = &totals
	res.Monitor = s.r.describeMonitor() // again: the policy's work is counted now
	if d, ok := s.r.daemon.(scripted); ok {
		var err error
		if res.Scripts, err = d.scriptsRan(); err != nil {
			slog.Warn("the stand-ins' counts", "err", err)
		}
	}
	rec := result.Recommend(totals.LargestStorm, result.DefaultMargin, res.Monitor.Effective, target.Of(s.sc.Target).Paste)
	res.Recommendation = &rec
	v := result.Judge(totals, res.Flaps, *res.Monitor)
	res.Verdict = &v
}

// OpenLab opens a Session as a capacity sweep's lab.
func OpenLab(ctx context.Context, sc scenario.Scenario) (capacity.Lab, error) {
	s, _, err := Open(ctx, sc)
	if err != nil {
		return nil, err
	}
	return s, nil
}
