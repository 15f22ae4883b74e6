package lab

import (
	"bufio"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"

	"github.com/nlstress/nlstress/pkg/hostsnap"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// helperEnv makes the test binary act as a process that builds a lab and
// holds it until SIGINT or SIGTERM, as a run does, so tests can kill it.
const helperEnv = "NLSTRESS_LAB_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(holdLab())
	}
	os.Exit(m.Run())
}

// holdLab builds a lab, prints "ready <runid>", and tears it down when a
// signal arrives: the same shape as a run's signal handling.
func holdLab() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	l, err := Build(ctx, Spec{Instances: 255, VMAC: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer l.Teardown()
	fmt.Printf("ready %s\n", l.RunID)
	<-ctx.Done()
	return 0
}

// startHolder starts the helper and waits until its lab is built.
func startHolder(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		id, ok := strings.CutPrefix(strings.TrimSpace(s), "ready ")
		if !ok {
			t.Fatalf("helper said %q, want ready <runid>", s)
		}
		return cmd, id
	case <-time.After(60 * time.Second):
		t.Fatal("helper did not build its lab within 60s")
	}
	return nil, ""
}

// waitExit waits for the helper to exit, with a deadline.
func waitExit(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("helper did not exit within 60s of the signal")
	}
}

// assertGone checks that nothing of a run remains: no namespace name, no
// mount under /run/netns, no run directory.
func assertGone(t *testing.T, runID string) {
	t.Helper()
	names, err := netns.List(Prefix + runID + "-")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) > 0 {
		t.Errorf("namespaces left behind: %v", names)
	}
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mi), netns.Dir+"/"+Prefix+runID) {
		t.Errorf("mount left under %s for run %s", netns.Dir, runID)
	}
	if _, err := os.Stat(runPath(runID)); err == nil {
		t.Errorf("run directory %s left behind", runPath(runID))
	}
}

func snapshot(t *testing.T) hostsnap.Snapshot {
	t.Helper()
	s, err := hostsnap.Take()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuild255VMAC(t *testing.T) {
	roottest.Require(t)
	before := snapshot(t)
	l, err := Build(context.Background(), Spec{Instances: 255, VMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })

	links, err := l.Subject.Conn.Link.List()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]rtnetlink.LinkMessage{}
	for _, m := range links {
		byName[m.Attributes.Name] = m
	}
	eth2, ok := byName["eth2"]
	if !ok || eth2.Attributes.Info == nil || eth2.Attributes.Info.Kind != "veth" {
		t.Fatalf("subject has no veth eth2: %v", byName)
	}
	macvlans := 0
	for _, in := range l.Instances {
		m, ok := byName[in.VMAC]
		if !ok {
			t.Fatalf("macvlan %s missing", in.VMAC)
		}
		if m.Attributes.Info == nil || m.Attributes.Info.Kind != "macvlan" {
			t.Fatalf("%s is not a macvlan", in.VMAC)
		}
		if got, want := m.Attributes.Address.String(), fmt.Sprintf("00:00:5e:00:01:%02x", in.VRID); got != want {
			t.Fatalf("%s has MAC %s, want %s", in.VMAC, got, want)
		}
		if m.Attributes.Type != eth2.Index {
			t.Fatalf("%s has parent %d, want eth2 (%d)", in.VMAC, m.Attributes.Type, eth2.Index)
		}
		if m.Flags&syscall.IFF_UP == 0 {
			t.Fatalf("%s is not up", in.VMAC)
		}
		macvlans++
	}
	if macvlans != 255 {
		t.Fatalf("%d macvlans, want 255", macvlans)
	}
	peerLinks, err := l.Peer.Conn.Link.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(peerLinks) != 2 { // lo and eth2
		t.Fatalf("peer has %d links, want lo and eth2", len(peerLinks))
	}
	addrs, err := l.Peer.Conn.Address.List()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range addrs {
		found = found || a.Attributes.Address.String() == "198.18.0.2"
	}
	if !found {
		t.Fatal("peer eth2 lacks 198.18.0.2")
	}

	if err := l.Teardown(); err != nil {
		t.Fatal(err)
	}
	if err := l.Teardown(); err != nil {
		t.Fatalf("second Teardown: %v", err)
	}
	assertGone(t, l.RunID)
	if d := hostsnap.Diff(before, snapshot(t)); d != "" {
		t.Fatalf("root namespace changed by build and teardown:\n%s", d)
	}
}

// FRR's macvlans: bridge mode, a random link-local address rather than
// the one the shared virtual MAC would give every router, and the
// instance's virtual addresses.
func TestBuildBridgeVMACsWithRandomLinkLocal(t *testing.T) {
	roottest.Require(t)
	l, err := Build(context.Background(), Spec{Instances: 2, VMAC: true, VMACMode: MacvlanBridge, VMACRandomLinkLocal: true, VMACVIPs: 2, Family: 6})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	for _, in := range l.Instances {
		m, err := l.Subject.Conn.Link.Get(in.VMACIndex)
		if err != nil {
			t.Fatal(err)
		}
		raw, ok := m.Attributes.Info.Data.(*rtnetlink.LinkData)
		if !ok {
			t.Fatalf("%s: link data %#v", in.VMAC, m.Attributes.Info.Data)
		}
		ad, err := netlink.NewAttributeDecoder(raw.Data)
		if err != nil {
			t.Fatal(err)
		}
		var mv macvlan
		if err := mv.Decode(ad); err != nil || mv.Mode != MacvlanBridge {
			t.Fatalf("%s: macvlan mode %d (%v), want bridge (%d)", in.VMAC, mv.Mode, err, MacvlanBridge)
		}
	}
	var mode []byte
	err = l.Subject.NS.Do(func() (err error) {
		mode, err = os.ReadFile("/proc/sys/net/ipv6/conf/" + l.Instances[0].VMAC + "/addr_gen_mode")
		return err
	})
	if err != nil || strings.TrimSpace(string(mode)) != "3" {
		t.Fatalf("%s addr_gen_mode = %q, %v; want 3 (random)", l.Instances[0].VMAC, mode, err)
	}
	// The link-local address is not the virtual MAC's EUI-64 one.
	eui := netip.MustParseAddr("fe80::200:5eff:fe00:201")
	addrs, err := l.Subject.Conn.Address.List()
	if err != nil {
		t.Fatal(err)
	}
	vips := map[netip.Addr]uint32{}
	for _, a := range addrs {
		ip := netip.MustParseAddr(a.Attributes.Address.String())
		if a.Index == l.Instances[0].VMACIndex && ip == eui {
			t.Fatalf("%s has the virtual MAC's EUI-64 link-local %s", l.Instances[0].VMAC, eui)
		}
		vips[ip] = a.Index
	}
	// Each VMAC holds its instance's virtual addresses (VMACVIPs).
	for _, in := range l.Instances {
		for j := range 2 {
			if vip := VIP(6, in.Index, j, 2); vips[vip] != in.VMACIndex {
				t.Fatalf("%s on link %d, want on %s (%d)", vip, vips[vip], in.VMAC, in.VMACIndex)
			}
		}
	}
}

// The engine's IPv4 VMACs, as keepalived makes its own: IPv6 off, so no
// link-local address; the parent keeps its own.
func TestBuildVMACsWithoutIPv6(t *testing.T) {
	roottest.Require(t)
	l, err := Build(context.Background(), Spec{Instances: 2, VMAC: true, VMACNoIPv6: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	for _, in := range l.Instances {
		var off []byte
		err := l.Subject.NS.Do(func() (err error) {
			off, err = os.ReadFile("/proc/sys/net/ipv6/conf/" + in.VMAC + "/disable_ipv6")
			return err
		})
		if err != nil || strings.TrimSpace(string(off)) != "1" {
			t.Fatalf("%s disable_ipv6 = %q, %v; want 1", in.VMAC, off, err)
		}
	}
	addrs, err := l.Subject.Conn.Address.List()
	if err != nil {
		t.Fatal(err)
	}
	v6 := map[uint32]int{}
	for _, a := range addrs {
		if a.Family == syscall.AF_INET6 {
			v6[a.Index]++
		}
	}
	for _, in := range l.Instances {
		if v6[in.VMACIndex] != 0 {
			t.Errorf("%s has %d IPv6 addresses, want none", in.VMAC, v6[in.VMACIndex])
		}
	}
	if eth := l.Interfaces[0]; v6[eth.Index] == 0 {
		t.Errorf("%s lost its IPv6 link-local address", eth.Name)
	}
}

func TestBuildTwoInterfacesAndTwoRunsAtOnce(t *testing.T) {
	roottest.Require(t)
	a, err := Build(context.Background(), Spec{Instances: 300, VMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Teardown() })
	b, err := Build(context.Background(), Spec{Instances: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Teardown() })
	if a.RunID == b.RunID {
		t.Fatal("two runs got the same id")
	}
	links, err := a.Subject.Conn.Link.List()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, m := range links {
		names[m.Attributes.Name] = true
	}
	for _, want := range []string{"eth2", "eth3", "vrrp.255", "vrrp3.1", "vrrp3.45"} {
		if !names[want] {
			t.Errorf("lab of 300 lacks %s", want)
		}
	}
	if len(names) != 1+2+300 {
		t.Errorf("lab of 300 has %d links, want lo + 2 veth + 300 macvlans", len(names))
	}
	for _, l := range []*Lab{a, b} {
		if err := l.Teardown(); err != nil {
			t.Fatal(err)
		}
		assertGone(t, l.RunID)
	}
}

func TestBuildCancelledLeavesNothing(t *testing.T) {
	roottest.Require(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	spec := Spec{RunID: fmt.Sprintf("c%d", os.Getpid()%100000), Instances: 255, VMAC: true}
	if _, err := Build(ctx, spec); err == nil {
		t.Fatal("Build with a cancelled context succeeded")
	}
	assertGone(t, spec.RunID)
}

func TestSIGINTMidRunLeavesRootNamespaceUntouched(t *testing.T) {
	roottest.Require(t)
	before := snapshot(t)
	cmd, id := startHolder(t)
	if names, _ := netns.List(Prefix + id + "-"); len(names) != 2 {
		t.Fatalf("helper's lab has namespaces %v, want 2", names)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitExit(t, cmd)
	assertGone(t, id)
	if d := hostsnap.Diff(before, snapshot(t)); d != "" {
		t.Fatalf("root namespace changed by a run killed with SIGINT:\n%s", d)
	}
}

func TestCleanupAfterSIGKILL(t *testing.T) {
	roottest.Require(t)
	cmd, id := startHolder(t)
	// A live run's lab is not touched by cleanup.
	got, err := Cleanup(false)
	if err != nil {
		t.Fatal(err)
	}
	for _, lo := range got {
		if lo.RunID == id && !strings.HasPrefix(lo.Action, "kept") {
			t.Fatalf("cleanup touched a live run: %+v", lo)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	waitExit(t, cmd)
	if names, _ := netns.List(Prefix + id + "-"); len(names) != 2 {
		t.Fatalf("after SIGKILL the lab should still be there, found %v", names)
	}
	got, err = Cleanup(false)
	if err != nil {
		t.Fatal(err)
	}
	if removed := removedOf(got, id); removed != 3 { // two namespaces and the run directory
		t.Fatalf("cleanup removed %d objects of run %s, want 3: %+v", removed, id, got)
	}
	assertGone(t, id)
}

// A live run whose owner record is out of sight (its run directory
// removed, or another mount namespace's /run) is still alive: it holds its
// namespaces open, and cleanup without --force keeps them. Once nothing
// holds them, they are a dead run's and go.
func TestCleanupKeepsAHeldRunWithoutItsRecord(t *testing.T) {
	roottest.Require(t)
	id := NewRunID()
	ns, err := netns.New(NamespaceName(id, RoleSubject))
	if err != nil {
		t.Fatal(err)
	}
	defer netns.Delete(NamespaceName(id, RoleSubject))
	if _, ok := ReadOwner(id); ok {
		t.Fatalf("run %s has an owner record; the test needs none", id)
	}
	got, err := Cleanup(false)
	if err != nil {
		t.Fatal(err)
	}
	kept := false
	for _, lo := range got {
		if lo.RunID == id {
			if !strings.HasPrefix(lo.Action, "kept: no owner record") {
				t.Fatalf("cleanup did %q to a held namespace", lo.Action)
			}
			kept = true
		}
	}
	if names, _ := netns.List(Prefix + id + "-"); !kept || len(names) != 1 {
		t.Fatalf("kept %v, namespaces left %v: want the held namespace kept", kept, names)
	}
	ns.Close()
	if got, err = Cleanup(false); err != nil {
		t.Fatal(err)
	}
	assertGone(t, id)
}

// Two live runs and cleanups at the same moment: cleanups without force,
// side by side, keep both runs; a forced one removes both and says so,
// object by object.
func TestCleanupForceWithTwoLiveRuns(t *testing.T) {
	roottest.Require(t)
	_, a := startHolder(t)
	_, b := startHolder(t)
	var wg sync.WaitGroup
	results := make([][]Leftover, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = Cleanup(false)
		}()
	}
	wg.Wait()
	for i := range 2 {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		for _, lo := range results[i] {
			if (lo.RunID == a || lo.RunID == b) && !strings.HasPrefix(lo.Action, "kept") {
				t.Fatalf("cleanup without force touched a live run: %+v", lo)
			}
		}
	}
	got, err := Cleanup(true)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{a, b} {
		if removed := removedOf(got, id); removed != 3 { // two namespaces and the run directory
			t.Errorf("forced cleanup removed %d objects of live run %s, want 3: %+v", removed, id, got)
		}
		assertGone(t, id)
	}
}

// removedOf counts the objects of run id that a cleanup removed.
func removedOf(got []Leftover, id string) int {
	n := 0
	for _, lo := range got {
		if lo.RunID == id && lo.Action == "removed" {
			n++
		}
	}
	return n
}
