package frr

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// frrLab is a lab with FRR's macvlans (bridge mode, random link-local,
// each holding its instance's virtual address), and the instances for it.
func frrLab(t *testing.T, n, version int, interval time.Duration) (*lab.Lab, []Instance) {
	t.Helper()
	l, err := lab.Build(context.Background(), lab.Spec{Instances: n, VMAC: true, VMACMode: lab.MacvlanBridge, VMACRandomLinkLocal: true, VMACVIPs: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	var ins []Instance
	for _, in := range l.Instances {
		vip := lab.VIP(4, in.Index, 0, 1) // on its macvlan (VMACVIPs)
		ins = append(ins, Instance{Interface: l.Interfaces[in.Interface].Name, VRID: in.VRID, Priority: 200, Version: version, Interval: interval, VIPs: []netip.Addr{vip}})
	}
	return l, ins
}

// runDir is a run directory the frr user can reach, as the lab's are
// (t.TempDir's parent is root's alone).
func runDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// zebra and vrrpd start in the lab's subject namespace with everything
// under the run directory, every instance becomes Master (no peer), zebra
// believes every macvlan up, and Stop leaves no daemon behind.
func TestStartShowStop(t *testing.T) {
	roottest.RequireFRR(t)
	const n = 4
	l, ins := frrLab(t, n, 3, 100*time.Millisecond)
	dir := runDir(t)
	p, err := Start(l.Subject.NS, Options{Dir: dir, Hostname: "nls-test", Config: Config{Hostname: "nls-test", Instances: ins}, NLBufSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			p.Stop(0)
		}
		if t.Failed() {
			t.Logf("zebra log:\n%s", p.Log("zebra"))
		}
	})
	in := daemonsIn(t, l.Subject.NS.Name())
	if len(in) != 2 {
		t.Fatalf("running in the lab: %v, want zebra and vrrpd", in)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		rs, err := p.Show(ctx)
		if err != nil {
			t.Fatal(err)
		}
		masters := 0
		for _, r := range rs {
			if r.Of(4).Status == StateMaster {
				masters++
			}
		}
		if len(rs) == n && masters == n {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("not every instance Master: %+v", rs)
		case <-time.After(50 * time.Millisecond):
		}
	}
	// Each running daemon's crash-log directory is in the run's, none on
	// the host.
	crash := crashDirs(t, dir)
	for _, d := range in {
		if name := strings.Replace(d, " ", ".", 1); !crash[name] {
			t.Fatalf("%s's crash-log directory %s not under the run's %s (found %v)", d, name, varTmp, crash)
		}
	}
	ifs, err := p.Interfaces(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range l.Instances {
		if z, ok := ifs[in.VMAC]; !ok || !z.Up() || z.Index != in.VMACIndex {
			t.Fatalf("zebra's %s: %+v (found %v), want up with index %d", in.VMAC, z, ok, in.VMACIndex)
		}
	}
	if o := Overruns(p.Log("zebra")); len(o) != 0 {
		t.Fatalf("zebra overran at start: %q", o)
	}
	if err := p.Stop(daemon.StopGrace); err != nil {
		t.Fatal(err)
	}
	stopped = true
	for _, d := range []*daemon.Process{p.Zebra, p.VRRPD} {
		select {
		case <-d.Exited():
		default:
			t.Fatalf("pid %d still running after Stop", d.PID())
		}
	}
	crashDirs(t, dir)
}

// crashDirs is the set of FRR crash-log directories ("vrrpd.1234") in the
// run directory dir's /var/tmp for the daemons; it fails t if any of them
// is on the host's /var/tmp as well.
func crashDirs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(dir, varTmp, "frr"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range ents {
		host := filepath.Join("/var/tmp/frr", e.Name())
		if _, err := os.Lstat(host); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s is on the host (%v)", host, err)
		}
		out[e.Name()] = true
	}
	return out
}

// A configuration vrrpd refuses fails Start with vrrpd's own words, and
// leaves nothing running: the daemons that started beside the dry run are
// stopped.
func TestStartRefusedConfig(t *testing.T) {
	roottest.RequireFRR(t)
	l, ins := frrLab(t, 1, 3, 100*time.Millisecond)
	ins[0].Priority = 255 // the address owner's: vrrpd takes 1 to 254
	dir := runDir(t)
	_, err := Start(l.Subject.NS, Options{Dir: dir, Hostname: "nls-test", Config: Config{Hostname: "nls-test", Instances: ins}})
	if !errors.Is(err, ErrStart) || !strings.Contains(err.Error(), "vrrp 1 priority 255") {
		t.Fatalf("Start = %v, want ErrStart quoting the refused line", err)
	}
	if left := daemonsIn(t, l.Subject.NS.Name()); len(left) > 0 {
		t.Fatalf("after the refusal, still running in the lab: %v", left)
	}
	// The dry run's vrrpd, which exits without removing its crash-log
	// directory, made it in the run's directory.
	if crash := crashDirs(t, dir); len(crash) == 0 {
		t.Fatalf("no crash-log directory under the run's %s: the dry run wrote elsewhere", varTmp)
	}
}

// daemonsIn lists the zebra and vrrpd processes in the lab namespace
// named name, as "name pid".
func daemonsIn(t *testing.T, name string) []string {
	t.Helper()
	procs, err := lab.ProcessesIn(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for pid, comm := range procs {
		if comm == "zebra" || comm == "vrrpd" {
			out = append(out, fmt.Sprintf("%s %d", comm, pid))
		}
	}
	return out
}

// Without the binaries, Start says which package to install.
func TestBinariesMissing(t *testing.T) {
	_, _, err := Binaries(t.TempDir())
	if !errors.Is(err, ErrStart) || !strings.Contains(err.Error(), "apt-get install frr") {
		t.Fatalf("Binaries = %v", err)
	}
	if _, err := os.Stat(DefaultBinDir); err == nil {
		if _, _, err := Binaries(""); err != nil {
			t.Fatalf("Binaries(default) = %v", err)
		}
	}
}
