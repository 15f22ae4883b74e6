package stress

import (
	"context"
	"fmt"
	"time"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/target"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// daemonUnderTest is the router under test as a run drives it: one
// implementation per target, in target_<name>_linux.go, registered in
// targets. Nothing outside the implementations asks which one it holds;
// what differs in words is in the target's traits (package target).
type daemonUnderTest interface {
	// labSpec is the lab a generated scenario needs (a replayed
	// configuration lays out its own).
	labSpec(sc scenario.Scenario) lab.Spec
	// groups are the netlink groups the daemon's monitor joins, which the
	// oracle joins too; rp is the replayed configuration, or nil.
	groups(sc scenario.Scenario, rp *replay.Replay) []nlmon.Group
	// start starts the daemon in r's lab with r.sc's buffer and returns
	// what the run watches. On error, stop undoes what it started.
	start(ctx context.Context, r *runner) (watched, error)
	// setBuffer gives the monitor r.sc's buffer for the flaps that
	// follow, and says how it did.
	setBuffer(ctx context.Context, r *runner) (bufferChange, error)
	// stop stops the daemon, giving it grace to shut down on SIGTERM
	// before SIGKILL. Stopping a daemon not started, or twice, is
	// harmless.
	stop(grace time.Duration) error
}

// Optional parts of a daemon under test, asked for by type assertion as
// io.WriterTo is.
type (
	// flapReporter adds to a flap what the daemon said and did during it
	// (FRR: zebra's overrun lines, the daemons found dead).
	flapReporter interface {
		afterFlap(f *result.Flap)
	}
	// reloader reloads the daemon's configuration in place of a link
	// change (keepalived: flap pattern reload).
	reloader interface {
		reload() error
	}
	// counted gives the daemon's own VRRP counters (the engine).
	counted interface {
		counters() (vrrp.Counters, error)
	}
	// versioned is the daemon's own version line ("Keepalived v2.2.7
	// (01/16,2022)"), which the result records.
	versioned interface {
		version() string
	}
	// scripted says what ran in place of the daemon's scripts
	// (keepalived's notify scripts and checks, as stand-ins); nil when
	// none did.
	scripted interface {
		scriptsRan() (*result.Scripts, error)
	}
	// mortal says why the daemon died before its instances came up (FRR:
	// zebra's overrun at start-up); nil while it runs. A run that does
	// not converge asks it first: a death is the finding, not the
	// instances it left down.
	mortal interface {
		deathAtStart() error
	}
)

// bufferChange is how a daemon took a new buffer: resized in place (the
// engine's socket: nothing else changes), reloaded (keepalived re-reads
// its configuration: its instances may move, the session waits for them
// again) or restarted (a new process to watch, and the wait).
type bufferChange struct {
	// restarted is what to watch from now on after a restart; nil
	// otherwise.
	restarted *watched
	// settle says the daemon did more than resize a socket: the session
	// waits for it to converge and the namespace to fall quiet again.
	settle bool
}

// restartedWith is the bufferChange of a restart that gave w, or err.
func restartedWith(w *watched, err error) (bufferChange, error) {
	return bufferChange{restarted: w, settle: true}, err
}

// watched is what a run watches of a started daemon.
type watched struct {
	subject subjectView
	monitor monitorView
	// marker closes measuring windows on the reader's own count; nil when
	// the daemon's reads are not visible.
	marker *nlmon.Marker
	// learn brings the runner's belief (and, for the engine, read) up to
	// date from the daemon's own account of what it read: the engine's
	// answer, keepalived's log, zebra's interfaces; nil when nothing tells
	// (exec, keepalived logging to syslog).
	learn func() error
}

// targets make the daemon under test for each target: they check, before
// anything is built, what it needs of the host and of the scenario (a
// binary, a file, a command), read the files it needs once, and return it
// not started. Each target_<name>_linux.go registers its own.
var targets = map[target.Name]func(sc scenario.Scenario) (daemonUnderTest, error){}

// newDaemon makes sc's daemon under test, not started.
func newDaemon(sc scenario.Scenario) (daemonUnderTest, error) {
	mk, ok := targets[sc.Target]
	if !ok {
		return nil, fmt.Errorf("%w: target %q has no implementation", scenario.ErrInvalid, sc.Target)
	}
	return mk(sc)
}

// baseLab is the generated lab of sc, the instances' macvlans made by the
// lab when vmac says so.
func baseLab(sc scenario.Scenario, vmac bool) lab.Spec {
	return lab.Spec{Instances: sc.VRIDs, Interfaces: sc.Interfaces, VMAC: vmac, Family: sc.Family, ChurnLink: sc.Churns()}
}

// linkGroups are the link and address groups every VRRP daemon's monitor
// joins, and every route and rule group when sc has virtual routes.
func linkGroups(sc scenario.Scenario) []nlmon.Group {
	g := append([]nlmon.Group(nil), nlmon.KeepalivedGroups...)
	if sc.RoutesPerVRID > 0 {
		g = append(g, nlmon.RouteGroups...)
	}
	return g
}
