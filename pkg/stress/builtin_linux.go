package stress

import (
	"context"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// builtinMonitor is the engine's own monitor: every counter is read
// directly (Counts, Idle and WaitMarker are the monitor's own).
type builtinMonitor struct{ *nlmon.Monitor }

func (b builtinMonitor) memInfo() (sockdiag.MemInfo, error) { return b.Monitor.Socket().MemInfo() }

func (b builtinMonitor) inferred() bool { return false }

func (b builtinMonitor) describe(m *result.Monitor) {
	s := b.Monitor.Socket()
	m.Effective, m.Capped = int64(s.Effective()), s.Capped()
	st := b.Monitor.Stats()
	m.Resyncs, m.ResyncTime, m.Restarts = st.Resyncs, st.ResyncTime, st.Restarts
}

// startBuiltin opens the monitor under test and starts the engine as the
// subject, its monitor's reader feeding it link events.
func (r *runner) startBuiltin(ctx context.Context, sc scenario.Scenario, l *lab.Lab) error {
	size, force, _ := sc.MonitorBuffer()
	sock, err := nlmon.Open(nlmon.Config{NetNS: l.Subject.NS.Fd(), Groups: r.groups, RcvBuf: size, Force: force, NoENOBUFS: sc.NoENOBUFS})
	if err != nil {
		return err
	}
	mon := nlmon.NewMonitor(sock, sc.ConsumerCost, sc.OnOverrun)
	subject, err := vrrp.NewRouter(vrrp.RouterConfig{Name: "subject", NS: l.Subject.NS, Instances: r.subjectSpecs, Track: true})
	if err != nil {
		sock.Close()
		return err
	}
	if r.marker, err = nlmon.OpenMarker(l.Subject.NS.Fd()); err != nil {
		sock.Close()
		subject.Close()
		return err
	}
	r.subject, r.engine = subject, subject
	r.setMonitor(builtinMonitor{mon})
	r.spawn(ctx, "subject router", subject.Run)
	r.spawn(ctx, "monitor", func(ctx context.Context) error {
		defer func() { mon.Socket().Close() }()
		return mon.Run(ctx, func(ev *nlmon.Event) {
			link := ev.Type == nlmon.TypeNewLink || ev.Type == nlmon.TypeDelLink
			up := ev.Type == nlmon.TypeNewLink && ev.LinkUp()
			if link {
				r.believe(ev.Index, up)
			}
			subject.Notify(vrrp.LinkEvent{Link: link, Index: ev.Index, Up: up})
		})
	})
	return nil
}
