package frr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/netns"
)

// ErrStart is wrapped by every failure to start FRR: binaries or the frr
// user missing, a configuration vrrpd refuses, a daemon that exits or
// does not answer within startTimeout.
var ErrStart = errors.New("FRR did not start")

// ErrOverrun is wrapped, with ErrStart, when zebra died of a netlink
// overrun before it was up: it logged "recvmsg overrun" and exited.
var ErrOverrun = errors.New("zebra died of a netlink overrun")

// DefaultBinDir is where Debian's frr package installs its daemons.
const DefaultBinDir = "/usr/lib/frr"

// startTimeout bounds the wait for each daemon's vty socket.
const startTimeout = 15 * time.Second

// runAs is the user and group the daemons drop to: the frr package's,
// whose user is in the frrvty group the vty sockets need.
const runAs = "frr"

// varTmp is the directory, in the run's, that zebra and vrrpd see as
// /var/tmp: each makes /var/tmp/frr/<daemon>.<pid> for its crash log
// (Debian's build) and leaves it behind when killed, so they never write
// to the host's.
const varTmp = "var-tmp"

// Options say how to run zebra and vrrpd.
type Options struct {
	// BinDir holds zebra and vrrpd; empty means DefaultBinDir.
	BinDir string
	// Dir is the run directory for configurations, pid files, vty and
	// zserv sockets and logs; it must exist. Start gives it to the frr
	// user.
	Dir string
	// Hostname names the router in both configurations.
	Hostname string
	// Config is vrrpd's configuration.
	Config Config
	// NLBufSize is zebra's --nl-bufsize, bytes; 0 leaves zebra's default
	// (scenario.FRRDefaultNLBufSize).
	NLBufSize int64
}

// Binaries finds zebra and vrrpd in dir (empty: DefaultBinDir). A missing
// one is an error wrapping ErrStart that names the package to install.
func Binaries(dir string) (zebra, vrrpd string, err error) {
	if dir == "" {
		dir = DefaultBinDir
	}
	var paths []string
	for _, name := range []string{"zebra", "vrrpd"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err != nil || st.Mode()&0o111 == 0 {
			return "", "", fmt.Errorf("%w: %s not found (apt-get install frr; nlstress runs it only inside its lab)", ErrStart, p)
		}
		paths = append(paths, p)
	}
	if _, _, err := ids(); err != nil {
		return "", "", err
	}
	return paths[0], paths[1], nil
}

// Version is the first line of zebra --version ("zebra version 8.4.4"),
// which says the FRR release.
func Version(zebra string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, zebra, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", zebra, err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return first, nil
}

// Process is a running zebra and vrrpd. Create it with Start.
type Process struct {
	Zebra, VRRPD *daemon.Process
	dir          string
}

// Start writes the configurations, checks vrrpd's with its dry run, and
// starts zebra, then vrrpd, inside ns, each waited for until its vty
// answers; the dry run goes on while they start. On any failure,
// a refused line included, it stops what it started and returns an error
// wrapping ErrStart that quotes the daemon.
func Start(ns *netns.NS, opt Options) (*Process, error) {
	zebraBin, vrrpdBin, err := Binaries(opt.BinDir)
	if err != nil {
		return nil, err
	}
	uid, gid, err := ids()
	if err != nil {
		return nil, err
	}
	p := &Process{dir: opt.Dir}
	files := map[string][]byte{
		"zebra.conf": ZebraConfig(opt.Hostname),
		"frr.conf":   Render(opt.Config),
		"zebra.log":  nil,
		"vrrpd.log":  nil,
	}
	if err := os.Chown(opt.Dir, uid, gid); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	for name, text := range files {
		path := filepath.Join(opt.Dir, name)
		if err := os.WriteFile(path, text, 0o640); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrStart, err)
		}
		if err := os.Chown(path, uid, gid); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrStart, err)
		}
	}
	// vrrpd's dry run parses the whole file, as vrrpd's start does again:
	// 2.3 s of CPU for 255 routers here. It runs beside zebra's and
	// vrrpd's starts, on the other CPU, rather than before them; a
	// refusal stops what started.
	dry := make(chan error, 1)
	go func() { dry <- p.dryRun(ns, vrrpdBin) }()
	err = p.startBoth(ns, zebraBin, vrrpdBin, opt)
	if derr := <-dry; derr != nil {
		// A refused line says more than the start it may have failed.
		if err == nil {
			p.Stop(0)
		}
		return nil, derr
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// startBoth starts zebra, then vrrpd, each waited for until its vty
// answers; if vrrpd fails, it stops zebra.
func (p *Process) startBoth(ns *netns.NS, zebraBin, vrrpdBin string, opt Options) error {
	common := func(name, conf string) []string {
		return []string{"-f", p.path(conf), "-i", p.path(name + ".pid"), "-z", p.path("zserv.api"), "--vty_socket", opt.Dir,
			"-u", runAs, "-g", runAs, "-P", "0", "--log", "file:" + p.path(name+".log"), "--log-level", "info"}
	}
	zargs := common("zebra", "zebra.conf")
	if opt.NLBufSize > 0 {
		zargs = append(zargs, "-s", strconv.FormatInt(opt.NLBufSize, 10))
	}
	var err error
	if p.Zebra, err = p.start(ns, "zebra", zebraBin, zargs); err != nil {
		return err
	}
	if p.VRRPD, err = p.start(ns, "vrrpd", vrrpdBin, common("vrrpd", "frr.conf")); err != nil {
		p.Stop(0)
		return err
	}
	return nil
}

// ids are the frr user's uid and gid.
func ids() (uid, gid int, err error) {
	u, err := user.Lookup(runAs)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: no user %q for the daemons to run as (apt-get install frr creates it)", ErrStart, runAs)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, nil
}

func (p *Process) path(name string) string { return filepath.Join(p.dir, name) }

// refusal marks a configuration line vrrpd's parser refused ("No such
// command on config line 3:", "Command returned Warning Config Failed on
// config line 5:"); vrrpd -C exits 0 all the same.
const refusal = "config line "

// dryRun runs vrrpd -C on frr.conf inside ns: vrrpd parses the file and
// exits. A refused line is an error quoting vrrpd's own words.
func (p *Process) dryRun(ns *netns.NS, bin string) error {
	var out bytes.Buffer
	cmd := exec.Command(bin, "-C", "-f", p.path("frr.conf"), "-u", runAs, "-g", runAs, "--vty_socket", p.dir, "--log", "stdout")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := ns.Do(daemon.WithVarTmp(p.path(varTmp), cmd.Run)); err != nil {
		return fmt.Errorf("%w: vrrpd -C %s (%v): %s", ErrStart, p.path("frr.conf"), err, daemon.Head(out.String(), 3))
	}
	for _, line := range strings.Split(out.String(), "\n") {
		if i := strings.Index(line, "] "); i >= 0 && strings.Contains(line, refusal) {
			return fmt.Errorf("%w: vrrpd refuses %s: %s", ErrStart, p.path("frr.conf"), strings.TrimSpace(line[i+2:]))
		}
	}
	return nil
}

// start runs one daemon and waits for its vty socket to answer.
func (p *Process) start(ns *netns.NS, name, bin string, args []string) (*daemon.Process, error) {
	sock := p.path(name + ".vty")
	// A daemon killed before this one may have left its socket.
	if err := os.Remove(sock); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	d, err := daemon.StartVarTmp(ns, exec.Command(bin, args...), p.path(name+".out"), p.path(varTmp))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrStart, err)
	}
	fail := func(why string) error {
		_ = d.Stop(0)
		log := p.Log(name)
		if o := Overruns(log); len(o) > 0 {
			return fmt.Errorf("%w: %w: %s %s: %s", ErrStart, ErrOverrun, name, why, o[len(o)-1])
		}
		return fmt.Errorf("%w: %s %s: %s", ErrStart, name, why, daemon.Head(d.Log()+log, 3))
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := Query(ctx, sock, "show version"); err == nil {
			return d, nil
		}
		select {
		case <-d.Exited():
			return nil, fail(fmt.Sprintf("exited (%v)", d.Err()))
		case <-ctx.Done():
			return nil, fail(fmt.Sprintf("did not answer on %s within %v", sock, startTimeout))
		case <-tick.C:
		}
	}
}

// Show is vrrpd's "show vrrp json".
func (p *Process) Show(ctx context.Context) ([]Router, error) {
	b, err := Query(ctx, p.path("vrrpd.vty"), "show vrrp json")
	if err != nil {
		return nil, err
	}
	return ParseShow(b)
}

// Interfaces is zebra's "show interface json": the link states zebra
// believes, by name.
func (p *Process) Interfaces(ctx context.Context) (map[string]Interface, error) {
	b, err := Query(ctx, p.path("zebra.vty"), "show interface json")
	if err != nil {
		return nil, err
	}
	return ParseInterfaces(b)
}

// Log is what a daemon ("zebra", "vrrpd") logged so far.
func (p *Process) Log(daemon string) string {
	b, _ := os.ReadFile(p.path(daemon + ".log"))
	return string(b)
}

// Stop stops vrrpd, then zebra (vrrpd asks zebra to set its macvlans'
// protodown as it goes), each given grace on SIGTERM before SIGKILL.
func (p *Process) Stop(grace time.Duration) error {
	var errs []error
	for _, d := range []*daemon.Process{p.VRRPD, p.Zebra} {
		if d == nil {
			continue
		}
		errs = append(errs, d.Stop(grace))
	}
	return errors.Join(errs...)
}
