package stress

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/keepalived"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/standin"
	"github.com/nlstress/nlstress/pkg/target"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

func init() { targets[target.Keepalived] = newKeepalivedTarget }

// keepalivedTarget is a real keepalived as the subject, with a
// configuration equivalent to the scenario or the user's own, replayed.
// keepalived creates its own VMACs (use_vmac); its monitor is found
// through sockdiag.
type keepalivedTarget struct {
	// bin is the binary; extra the lines of --keepalived-conf-extra, read
	// once.
	bin, extra string
	// ver is its --version line.
	ver string
	p   *keepalived.Process
	// standins run in place of the configuration's scripts; scripts are
	// how many statements of each kind they stand in for.
	standins *standin.Set
	scripts  map[standin.Kind]int
}

// newKeepalivedTarget checks the binary and the lines to add (keepalived
// reads them), and reads the extra file.
func newKeepalivedTarget(sc scenario.Scenario) (daemonUnderTest, error) {
	path, err := keepalived.Binary(sc.KeepalivedBin)
	if err != nil {
		return nil, err
	}
	k := &keepalivedTarget{bin: sc.KeepalivedBin}
	if k.ver, err = keepalived.Version(path); err != nil {
		return nil, err
	}
	if err := keepalived.CheckLines(path, scenario.Lines(sc.KeepalivedGlobal), scenario.Lines(sc.KeepalivedInstance)); err != nil {
		return nil, err
	}
	if sc.KeepalivedConfExtra != "" {
		b, err := os.ReadFile(sc.KeepalivedConfExtra)
		if err != nil {
			return nil, fmt.Errorf("%w: --keepalived-conf-extra: %w", scenario.ErrInvalid, err)
		}
		k.extra = string(b)
	}
	return k, nil
}

// labSpec has no VMACs: keepalived makes its own.
func (*keepalivedTarget) labSpec(sc scenario.Scenario) lab.Spec { return baseLab(sc, false) }

// groups are keepalived's link and address groups and the route and rule
// groups it joins for its configuration: a replayed one as kaconf reads
// it; nlstress's own writes tracked virtual routes of the lab's family.
func (*keepalivedTarget) groups(sc scenario.Scenario, rp *replay.Replay) []nlmon.Group {
	g := append([]nlmon.Group(nil), nlmon.KeepalivedGroups...)
	switch {
	case rp != nil:
		g = append(g, routeGroups(rp.Config.MonitorRouteGroups())...)
	case sc.RoutesPerVRID > 0:
		g = append(g, routeGroups(kaconf.RouteGroups{IPv4Routes: sc.Family == 4, IPv6Routes: sc.Family == 6})...)
	}
	return g
}

// routeGroups is the netlink groups keepalived joins for rg.
func routeGroups(rg kaconf.RouteGroups) []nlmon.Group {
	var g []nlmon.Group
	for _, x := range []struct {
		joined bool
		group  nlmon.Group
	}{
		{rg.IPv4Routes, nlmon.GroupIPv4Route}, {rg.IPv6Routes, nlmon.GroupIPv6Route},
		{rg.IPv4Rules, nlmon.GroupIPv4Rule}, {rg.IPv6Rules, nlmon.GroupIPv6Rule},
	} {
		if x.joined {
			g = append(g, x.group)
		}
	}
	return g
}

func (k *keepalivedTarget) start(ctx context.Context, r *runner) (watched, error) {
	dir, err := runDir(r.lab, "keepalived")
	if err != nil {
		return watched{}, err
	}
	if k.standins, err = standin.Write(dir, standin.Options{Cost: r.sc.ScriptCost, CheckExit: r.sc.ScriptExit}); err != nil {
		return watched{}, err
	}
	opt, names, vmacs := k.options(r, dir)
	p, err := keepalived.Start(r.lab.Subject.NS, opt)
	if err != nil {
		if r.replay != nil {
			return watched{}, explained{msg: r.replay.Explain(err.Error()), err: err}
		}
		return watched{}, err
	}
	k.p = p
	// Its monitor is the VRRP process's rtnetlink socket that joined
	// groups (its command socket joins none).
	m, err := watchOutside(ctx, r.lab, fmt.Sprintf("keepalived (pid %d)", p.VRRPPID()), func(s sockdiag.Socket) bool { return s.PID == p.VRRPPID() },
		p.Exited(), "none (keepalived)", func() error { return fmt.Errorf("%w: it exited: %s", keepalived.ErrStart, p.LogHead(5)) })
	if err != nil {
		return watched{}, err
	}
	// Its VRRP process dead (killed mid-storm, or of its real-time
	// limit), the monitor reads as it left it, and afterFlap says so.
	m.exited = p.VRRPGone()
	w := watched{subject: newKeepalivedSubject(p, names), monitor: m}
	if opt.LogConsole {
		w.learn = learnFromLog(r, p, vmacs)
	}
	return w, nil
}

// options is keepalived's configuration for r.sc in dir (its stand-ins
// written already), with the instances' names and their VMACs' names.
func (k *keepalivedTarget) options(r *runner, dir string) (opt keepalived.Options, names, vmacs []string) {
	// With no --rcvbuf, no rcv_bufs lines: keepalived's own default (or,
	// replayed, the configuration's own lines).
	global := keepalived.Global{RouterID: "nls-" + r.lab.RunID, Extra: k.extra}
	add := replay.Lines{Global: scenario.Lines(r.sc.KeepalivedGlobal), Instance: scenario.Lines(r.sc.KeepalivedInstance)}
	if len(add.Global) > 0 {
		global.Extra += "\n" + strings.Join(add.Global, "\n")
	}
	size, force, dflt := r.sc.MonitorBuffer()
	if !dflt {
		global.RcvBuf, global.Force = int64(size), force
	}
	opt = keepalived.Options{Bin: k.bin, Dir: dir, Global: global, LogConsole: r.sc.KeepalivedLog == scenario.LogConsole}
	if rp := r.replay; rp != nil {
		k.scripts = rp.Scripts()
		names = rp.Names()
		for _, in := range rp.Instances {
			vmacs = append(vmacs, in.VMAC)
		}
		opt.Conf = rp.Render(keepalived.FIFO(dir), replay.Buffer{Set: !dflt, Bytes: int64(size), Force: force}, k.standins, add)
		opt.Checked = func(complaints string) {
			w := "keepalived -t fails on the file but keepalived runs it, as in production; it said: " + rp.Explain(complaints)
			slog.Warn(w)
			rp.Warn(w)
		}
		return opt, names, vmacs
	}
	names, vmacs, opt.Instances = generated(*r.sc, r.lab, r.subjectSpecs)
	for i := range opt.Instances {
		opt.Instances[i].Extra = add.Instance
	}
	if r.sc.NotifyScripts {
		opt.Global.Scripts = true
		k.scripts = map[standin.Kind]int{"notify": len(opt.Instances)}
		for i := range opt.Instances {
			opt.Instances[i].Notify = k.standins.Command("notify")
		}
	}
	return opt, names, vmacs
}

// afterFlap reports keepalived's VRRP process found dead after the flap:
// keepalived respawns it, but the new one's instances start over, on a
// socket the run does not watch; the run stops there, FAIL.
func (k *keepalivedTarget) afterFlap(f *result.Flap) {
	select {
	case <-k.p.VRRPGone():
	default:
		return
	}
	f.Exited = append(f.Exited, result.DaemonExit{Daemon: "keepalived's VRRP process", PID: k.p.VRRPPID(),
		Status: "killed or dead (keepalived starts a new one, whose instances start over)", LastWords: lastLine(k.p.Log())})
}

// setBuffer restarts keepalived with the new buffer; it makes its VMACs
// anew, so the lab counts as built from then.
func (k *keepalivedTarget) setBuffer(ctx context.Context, r *runner) (bufferChange, error) {
	if k.reloadBuffer(ctx, r) {
		return bufferChange{settle: true}, nil
	}
	w, err := restart(ctx, r, k, "keepalived")
	r.built = time.Now()
	return restartedWith(w, err)
}

// reloadLimit is how long a reload is given to change the monitor's
// buffer before keepalived is restarted instead.
const reloadLimit = 10 * time.Second

// reloadBuffer gives keepalived a forced buffer by a reload: its
// configuration rewritten with the new vrrp_netlink_monitor_rcv_bufs, and
// SIGHUP. keepalived 2.2.7 sets the buffer again on the socket it has
// (vrrp_daemon.c, kernel_netlink_set_recv_bufs), which spares a restart's
// start and convergence (15 s at 255 VMACs); its VMACs stay. It says
// whether the monitor's buffer changed within reloadLimit; a keepalived
// that did not change it (a plain buffer, or a version that does not) is
// left to be restarted. So is one with an instance not MASTER (stranded
// in FAULT by a flap that lost its link-up): a reload keeps what
// keepalived believes of its links, and the instance would stay there.
func (k *keepalivedTarget) reloadBuffer(ctx context.Context, r *runner) bool {
	_, force, dflt := r.sc.MonitorBuffer()
	if k.p == nil || dflt || !force {
		return false
	}
	if n := countNot(r.subject.States(), vrrp.Master); n > 0 {
		slog.Info("keepalived: restarting it for a new buffer, not reloading: a reload keeps its view of the links", "not_master", n)
		return false
	}
	before := r.described().Effective
	dir, err := runDir(r.lab, "keepalived")
	if err != nil {
		return false
	}
	opt, _, _ := k.options(r, dir)
	if err := k.p.Reconfigure(opt); err != nil {
		slog.Warn("keepalived: reload for a new buffer; restarting it instead", "err", err)
		return false
	}
	deadline := time.Now().Add(reloadLimit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		if now := r.described().Effective; now != before && now != 0 {
			slog.Info("keepalived reloaded with a new buffer", "effective", now, "was", before)
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-tick.C:
		}
	}
	slog.Warn("keepalived's reload left its monitor's buffer as it was; restarting it", "effective", before, "waited", reloadLimit)
	return false
}

func (k *keepalivedTarget) stop(grace time.Duration) error {
	if k.p == nil {
		return nil
	}
	return k.p.Stop(grace)
}

// scriptsRan says what ran in place of keepalived's scripts, counted by
// the stand-ins; nil when the configuration has none.
func (k *keepalivedTarget) scriptsRan() (*result.Scripts, error) {
	return standinsRan(k.standins, k.scripts)
}

// standinsRan says what ran of set in place of a daemon's statements (by
// kind), counted by the stand-ins themselves; nil when there are none.
func standinsRan(set *standin.Set, statements map[standin.Kind]int) (*result.Scripts, error) {
	if len(statements) == 0 || set == nil {
		return nil, nil
	}
	ran, err := set.Counts()
	if err != nil {
		return nil, err
	}
	opt := set.Options()
	s := &result.Scripts{Summary: standin.Describe(statements, opt.Cost), Statements: map[string]int{}, Ran: map[string]uint64{},
		Cost: opt.Cost, CheckExit: opt.CheckExit}
	for kind, n := range statements {
		s.Statements[string(kind)] = n
	}
	for kind, n := range ran {
		s.Ran[string(kind)] = n
	}
	return s, nil
}

func (k *keepalivedTarget) version() string { return k.ver }

// reload sends keepalived SIGHUP.
func (k *keepalivedTarget) reload() error { return k.p.Reload() }

// learnFromLog returns a learn function that reads what keepalived logged
// since its last call and records its "Netlink reports" lines as what its
// monitor believes. keepalived logs a link only when its belief changes,
// which is all missed needs. The first call (after convergence: keepalived
// has made its VMACs) also finds the subject's links by name, VMACs
// included; this keepalived keeps them until it stops.
func learnFromLog(r *runner, p *keepalived.Process, vmacs []string) func() error {
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

func (k *keepalivedSubject) Forget(t time.Time) { k.p.Forget(t) }

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
