package stress

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/hostload"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// Which fields a session can change between flaps, by key: those of the
// daemon under test (it is restarted with them) and those of the flaps
// and the run (they take effect at the next flap). Every other field lays
// out the lab or the peer and cannot change within one lab.
var (
	daemonFields = []string{"rcvbuf", "force", "no_enobufs", "on_overrun", "consumer_cost", "transition_cost", "track_cost",
		"keepalived_bin", "keepalived_conf_extra", "keepalived_global", "keepalived_instance", "keepalived_log",
		"notify_scripts", "script_cost", "script_exit"}
	flapFields = []string{"flaps", "flap_mode", "flap_pattern", "flap_interfaces", "down_for", "recovery_timeout", "host_load",
		"sample_interval", "harness_procs", "keep_lab"}
	bufferFields = []string{"rcvbuf", "force"}
)

// Changeable checks that sc can follow base in one lab: it changes only
// the daemon's configuration and the flaps' options. The error names the
// first field that would need another lab.
func Changeable(base, sc scenario.Scenario) error {
	for _, k := range scenario.Differ(base, sc) {
		if !slices.Contains(daemonFields, k) && !slices.Contains(flapFields, k) {
			return fmt.Errorf("%w: %s lays out the lab or its peer: it cannot change within one lab", scenario.ErrInvalid, k)
		}
	}
	return nil
}

// CheckVariant checks, before any lab, that sc can follow base in one lab
// and that its daemon can run it: the target's own checks (its binary,
// and keepalived reading the lines sc adds).
func CheckVariant(base, sc scenario.Scenario) error {
	if err := Changeable(base, sc); err != nil {
		return err
	}
	_, err := newDaemon(sc)
	return err
}

// Reconfigure makes sc the scenario of the flaps that follow, in the same
// lab. A daemon whose configuration sc changes is restarted with it (a
// buffer alone is changed in place where the target can) and the session
// waits for it to converge again; the flaps' options take effect at the
// next flap; a different host load replaces the running one. After a
// failed flap the daemon is restarted whatever changed. restarted says
// the daemon was restarted.
func (s *Session) Reconfigure(ctx context.Context, sc scenario.Scenario) (restarted bool, err error) {
	if rp := s.r.replay; rp != nil {
		sc = derive(sc, rp) // as Open derived the session's
	}
	if err := Changeable(s.sc, sc); err != nil {
		return false, err
	}
	if err := sc.Validate(); err != nil {
		return false, err
	}
	changed := scenario.Differ(s.sc, sc)
	ofDaemon := false
	for _, k := range changed {
		ofDaemon = ofDaemon || slices.Contains(daemonFields, k)
	}
	bufferOnly := ofDaemon && !slices.ContainsFunc(changed, func(k string) bool {
		return slices.Contains(daemonFields, k) && !slices.Contains(bufferFields, k)
	})
	old := s.sc
	s.sc = sc
	settle := false
	switch {
	case s.broken != nil:
		// The last flap failed: whatever changed, a new daemon.
		s.broken = nil
		restarted, settle, err = true, true, s.restartDaemon()
	case bufferOnly:
		var ch bufferChange
		ch, err = s.r.setBuffer(ctx)
		restarted, settle = ch.restarted != nil, ch.settle
	case ofDaemon:
		restarted, settle, err = true, true, s.restartDaemon()
	}
	if err != nil {
		return restarted, fmt.Errorf("reconfigure (%v): %w", changed, err)
	}
	if settle {
		if err := s.settle(ctx, false); err != nil {
			return restarted, fmt.Errorf("after changing %s: %w", sc.Target, err)
		}
	}
	if sc.HostLoad != old.HostLoad {
		if err := s.replaceLoad(); err != nil {
			return restarted, err
		}
	}
	slog.Info("reconfigured", "changed", changed, "restarted", restarted)
	return restarted, nil
}

// restartDaemon stops the daemon under test and starts a new one for the
// session's scenario: its checks pass first, so a refused configuration
// stops the old daemon only once the new one is known to be possible.
func (s *Session) restartDaemon() error {
	d, err := newDaemon(s.sc)
	if err != nil {
		return err
	}
	r := s.r
	if err := r.daemon.stop(daemon.StopGrace); err != nil {
		return fmt.Errorf("stop %s: %w", s.sc.Target, err)
	}
	r.daemon, r.built = d, time.Now()
	w, err := d.start(r.ctx, r)
	if err != nil {
		return err
	}
	r.watch(w)
	return nil
}

// Daemon is the version line of the daemon the session runs now (it
// changes with a variant's --keepalived-bin); "" when the target has
// none.
func (s *Session) Daemon() string {
	if v, ok := s.r.daemon.(versioned); ok {
		return v.version()
	}
	return ""
}

// replaceLoad stops the running host load, if any, and starts the
// session's.
func (s *Session) replaceLoad() error {
	if s.load != nil {
		share, err := s.load.Stop()
		slog.Info("host load", "asked_pct", share.Asked, "achieved_pct", fmt.Sprintf("%.1f", share.Achieved))
		if err != nil {
			return fmt.Errorf("stop the host load: %w", err)
		}
		s.load = nil
	}
	if s.sc.HostLoad == 0 {
		return nil
	}
	var err error
	s.load, err = hostload.Start(s.lab.Subject.NS, s.lab.Dir(), s.sc.HostLoad)
	return err
}

// OpenCompareLab opens a Session as a comparison's lab.
func OpenCompareLab(ctx context.Context, sc scenario.Scenario) (compare.Lab, error) {
	s, _, err := Open(ctx, sc)
	if err != nil {
		return nil, err
	}
	return s, nil
}
