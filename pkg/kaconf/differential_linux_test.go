package kaconf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// differentialBudget is how long CI's differential test generates and
// checks files; NLS_KACONF_FILES=N checks N files instead, whatever
// they take (scripts/kaconf-differential.sh).
const differentialBudget = 100 * time.Second

// dumpTimeout bounds keepalived's start up to the end of its dump.
const dumpTimeout = 10 * time.Second

// TestDifferentialAgainstKeepalived writes random configurations
// (genConf) and has keepalived 2.2.7 read each one: keepalived -t for its
// verdict, and a start with --dump-conf in a namespace of its own with
// the interfaces the files name for its reading, and the groups its
// monitor socket joined. kaconf must refuse exactly the files keepalived
// refuses, and read the others as keepalived does: instances, VRID,
// interface, VMAC, version, advert interval, virtual addresses, excluded
// ones, routes and rules with their tracking, tracked interfaces, unicast
// peers, sync groups, the monitor buffer and its force flag, real-time
// priority and limit, and the route and rule groups. The seed is fixed
// (NLS_KACONF_SEED changes it), so every run checks the same files.
func TestDifferentialAgainstKeepalived(t *testing.T) {
	roottest.RequireKeepalived(t)
	files, _ := strconv.Atoi(os.Getenv("NLS_KACONF_FILES"))
	seed, _ := strconv.ParseUint(os.Getenv("NLS_KACONF_SEED"), 10, 64)
	if seed == 0 {
		seed = 1
	}
	keep := os.Getenv("NLS_KACONF_KEEP") // a directory to copy disagreeing files into
	host := HostConfigID()
	deadline := time.Now().Add(differentialBudget)
	var checked, refused, injected int
	for i := 0; files == 0 && time.Now().Before(deadline) || i < files; i++ {
		dir := t.TempDir()
		g, main, err := generateConf(rand.New(rand.NewPCG(seed, uint64(i))), dir, host)
		if err != nil {
			t.Fatal(err)
		}
		if g.Injected != "" {
			injected++
		}
		msg, kaRefused := differ(t, main, g)
		checked++
		if kaRefused {
			refused++
		}
		if msg == "" {
			continue
		}
		if keep != "" {
			dst := filepath.Join(keep, fmt.Sprintf("seed%d-file%d", seed, i))
			_ = exec.Command("cp", "-r", dir, dst).Run()
			msg += " (kept in " + dst + ")"
		}
		t.Errorf("file %d (seed %d): %s", i, seed, msg)
		if t.Failed() && keep == "" {
			body, _ := os.ReadFile(main)
			t.Fatalf("first disagreement; its main file:\n%s", body)
		}
	}
	t.Logf("%d files checked against keepalived (seed %d): %d refused or complained about by both (%d with an injected error); every file keepalived ran read alike", checked, seed, refused, injected)
	if checked == 0 {
		t.Fatal("no file checked")
	}
}

// differ compares kaconf's and keepalived's readings of one file: "" when
// they agree, and whether keepalived refused it.
func differ(t *testing.T, main string, g *genConf) (string, bool) {
	c, kerr := Read(main, Options{ConfigID: g.host})
	ns, err := labNamespace()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	verdict, complaint := keepalivedTest(ns, main)
	switch {
	case kerr != nil && verdict:
		return fmt.Sprintf("kaconf refuses (%v), keepalived -t accepts", kerr), false
	case kerr == nil && !verdict && len(c.Complaints) == 0:
		return fmt.Sprintf("kaconf reads it without a complaint, keepalived -t refuses: %s", complaint), true
	case kerr == nil && verdict && len(c.Complaints) > 0:
		return fmt.Sprintf("kaconf complains (%s), keepalived -t accepts", c.Complaints[0]), false
	case kerr != nil:
		return "", true // both refuse
	case g.Injected != "":
		return fmt.Sprintf("both accept a file with %s injected", g.Injected), false
	}
	// keepalived runs a file it complains about: its reading counts.
	refused := !verdict
	dump, groups, err := keepalivedDump(ns, main)
	if err != nil {
		t.Fatalf("%s: %v", main, err)
	}
	want, got := asDumped(c), parseDump(dump)
	if diff := compareDumps(want, got); diff != "" {
		return "readings differ: " + diff, refused
	}
	if rg := c.MonitorRouteGroups(); rg != groups {
		return fmt.Sprintf("route groups: kaconf %+v, keepalived's monitor joined %+v", rg, groups), refused
	}
	return "", refused
}

// labNamespace is a throw-away namespace with the interfaces generated
// files use: eth2 and eth3 (instances) and eth4 (tracked by sync groups).
func labNamespace() (*netns.NS, error) {
	ns, err := netns.NewAnonymous()
	if err != nil {
		return nil, err
	}
	err = ns.Do(func() error {
		for _, name := range []string{"eth2", "eth3", "eth4"} {
			for _, args := range [][]string{
				{"link", "add", name, "type", "veth", "peer", "name", "p-" + name},
				{"link", "set", name, "up"},
				{"link", "set", "p-" + name, "up"},
			} {
				if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
					return fmt.Errorf("ip %s: %s", strings.Join(args, " "), bytes.TrimSpace(out))
				}
			}
		}
		return nil
	})
	if err != nil {
		ns.Close()
		return nil, err
	}
	return ns, nil
}

// keepalivedTest is keepalived -t's verdict on a file, and what it said.
func keepalivedTest(ns *netns.NS, path string) (bool, string) {
	var out bytes.Buffer
	cmd := exec.Command("keepalived", "--config-test", "--use-file", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := ns.Do(cmd.Run)
	return err == nil, strings.Join(strings.Fields(out.String()), " ")
}

// keepalivedDump starts keepalived's VRRP process on a file in ns with
// --dump-conf, waits for the end of its dump, reads the groups its
// monitor socket joined, and stops it.
func keepalivedDump(ns *netns.NS, path string) (string, RouteGroups, error) {
	dir := filepath.Dir(path)
	var out lockedBuffer
	cmd := exec.Command("keepalived", "--dont-fork", "--log-console", "--vrrp", "--dump-conf", "--use-file", path,
		"--pid", filepath.Join(dir, "k.pid"), "--vrrp_pid", filepath.Join(dir, "v.pid"))
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := ns.Do(cmd.Start); err != nil {
		return "", RouteGroups{}, fmt.Errorf("start keepalived: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// Killed, not stopped: a clean stop takes keepalived about a second,
	// and what it leaves (VMACs, addresses) goes with the namespace.
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	ctx, cancel := context.WithTimeout(context.Background(), dumpTimeout)
	defer cancel()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(out.String(), "------< Interfaces >------") {
		select {
		case <-ctx.Done():
			stop()
			return "", RouteGroups{}, fmt.Errorf("keepalived did not dump its configuration within %v:\n%s", dumpTimeout, out.String())
		case err := <-done:
			done <- err
			stop()
			return "", RouteGroups{}, fmt.Errorf("keepalived exited (%v) before its dump:\n%s", err, out.String())
		case <-tick.C:
		}
	}
	groups, err := monitorGroups(ns, filepath.Join(dir, "v.pid"))
	stop()
	return out.String(), groups, err
}

// monitorGroups reads the route and rule groups of the keepalived VRRP
// process's monitor socket (its rtnetlink socket with groups).
func monitorGroups(ns *netns.NS, pidFile string) (RouteGroups, error) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return RouteGroups{}, fmt.Errorf("keepalived's VRRP pid: %w", err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	socks, err := sockdiag.List(ns.Fd())
	if err != nil {
		return RouteGroups{}, err
	}
	for _, s := range sockdiag.WithOwners(socks) {
		if s.PID != pid || s.Protocol != sockdiag.ProtocolRoute || len(s.Groups) == 0 {
			continue
		}
		return RouteGroups{
			IPv4Routes: slices.Contains(s.Groups, 7), IPv6Routes: slices.Contains(s.Groups, 11),
			IPv4Rules: slices.Contains(s.Groups, 8), IPv6Rules: slices.Contains(s.Groups, 19),
		}, nil
	}
	return RouteGroups{}, errors.New("keepalived's VRRP process has no rtnetlink socket with groups")
}

// compareDumps says how two readings differ, "" when they do not.
func compareDumps(want, got dumped) string {
	if want.RcvBufs != got.RcvBufs || want.Force != got.Force {
		return fmt.Sprintf("monitor buffer: kaconf %d force %v, keepalived %d force %v", want.RcvBufs, want.Force, got.RcvBufs, got.Force)
	}
	if want.RTPriority != got.RTPriority || want.RTLimit != got.RTLimit {
		return fmt.Sprintf("real-time: kaconf priority %d limit %d us, keepalived %d and %d us", want.RTPriority, want.RTLimit, got.RTPriority, got.RTLimit)
	}
	if len(want.Instances) != len(got.Instances) {
		return fmt.Sprintf("instances: kaconf %d %v, keepalived %d %v", len(want.Instances), names(want.Instances), len(got.Instances), names(got.Instances))
	}
	for i := range want.Instances {
		w, g := want.Instances[i], got.Instances[i]
		if !reflect.DeepEqual(w, g) {
			return fmt.Sprintf("instance %d:\n  kaconf     %+v\n  keepalived %+v", i, w, g)
		}
	}
	if !reflect.DeepEqual(want.SyncGroups, got.SyncGroups) {
		return fmt.Sprintf("sync groups: kaconf %+v, keepalived %+v", want.SyncGroups, got.SyncGroups)
	}
	return ""
}

func names(ins []dumpedInstance) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.Name)
	}
	return out
}

// lockedBuffer is a bytes.Buffer that a process writes while a test reads.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
