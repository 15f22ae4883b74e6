package diagnose

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/hostsnap"
	"github.com/nlstress/nlstress/pkg/keepalived"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
	"github.com/nlstress/nlstress/pkg/stress"
)

func TestDiagnoseChangesNothing(t *testing.T) {
	roottest.Require(t)
	before, err := hostsnap.Take()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(Options{AllNamespaces: true, Conf: "../../scenarios/keepalived/vmac-255.conf", ConfGiven: true})
	if err != nil {
		t.Fatal(err)
	}
	after, err := hostsnap.Take()
	if err != nil {
		t.Fatal(err)
	}
	if d := hostsnap.Diff(before, after); d != "" {
		t.Fatalf("diagnose changed the host:\n%s", d)
	}
	if len(rep.Sockets) == 0 || rep.Host.RmemMax == 0 || rep.Keepalived == nil || rep.Keepalived.Instances != 255 {
		t.Fatalf("report %+v", rep)
	}
}

// TestFindsKeepalivedDrops runs a real keepalived with a tiny monitor
// buffer in a lab namespace, flaps its link, and checks that diagnose,
// pointed at the namespace, finds keepalived's monitor socket, its pid and
// its drops.
func TestFindsKeepalivedDrops(t *testing.T) {
	roottest.RequireKeepalived(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	ifc := l.Interfaces[0]
	var inst []keepalived.Instance
	for _, in := range l.Instances {
		inst = append(inst, keepalived.Instance{Name: keepalived.InstanceName(in.Index), Interface: ifc.Name, VRID: in.VRID, Priority: 200,
			Version: 3, Interval: 100 * time.Millisecond, VIPs: []netip.Addr{lab.VIP(4, in.Index, 0, 1)}, VMAC: lab.VMACName(0, in.VRID)})
	}
	p, err := keepalived.Start(l.Subject.NS, keepalived.Options{Dir: t.TempDir(), Instances: inst,
		Global: keepalived.Global{RouterID: "nls-diag", RcvBuf: 8192, Force: true}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(daemon.StopGrace) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	names := make([]string, len(inst))
	for i := range inst {
		names[i] = inst[i].Name
	}
	if err := p.WaitAll(ctx, names, "MASTER"); err != nil {
		t.Fatal(err)
	}
	for _, up := range []bool{false, true} {
		if err := lab.SetLink(l.Subject.Conn, ifc.Index, up); err != nil {
			t.Fatal(err)
		}
	}
	ns := lab.NamespaceName(l.RunID, lab.RoleSubject)
	var found Socket
	for found.Drops == 0 {
		rep, err := Run(Options{Namespace: ns, Conf: "/nonexistent"})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Keepalived != nil {
			for _, s := range rep.Keepalived.Live {
				if s.PID == p.VRRPPID() {
					found = s
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no drops on keepalived's monitor within the deadline (last seen %+v)", found)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if found.Protocol != sockdiag.ProtocolRoute || found.RcvBuf != 16384 || found.Comm != "keepalived" || found.Namespace != ns {
		t.Fatalf("monitor socket %+v: want keepalived's rtnetlink socket with the forced 16384", found)
	}
	t.Logf("diagnose found keepalived pid %d, socket inode %d, rcvbuf %d, drops %d", found.PID, found.Inode, found.RcvBuf, found.Drops)
}

// TestEstimateIsNotBelowReality sizes a configuration nlstress can also
// run (64 VRIDs, VMAC, one VIP each) and checks that a run with the
// advised buffer passes.
func TestEstimateIsNotBelowReality(t *testing.T) {
	roottest.Require(t)
	var inst []keepalived.Instance
	for i := range 64 {
		inst = append(inst, keepalived.Instance{Name: keepalived.InstanceName(i), Interface: "eth2", VRID: uint8(i + 1), Priority: 200,
			Version: 3, Interval: 100 * time.Millisecond, VIPs: []netip.Addr{lab.VIP(4, i, 0, 1)}, VMAC: lab.VMACName(0, uint8(i+1))})
	}
	dir := t.TempDir()
	conf := dir + "/keepalived.conf"
	if err := writeFile(conf, keepalived.Render(keepalived.Global{RouterID: "x"}, inst)); err != nil {
		t.Fatal(err)
	}
	_, e, _ := analyzeFile(t, conf, 212992)
	sc := scenario.Default()
	sc.VRIDs, sc.VMAC, sc.AdvertInterval, sc.RcvBuf = 64, true, 100*time.Millisecond, bytesize.Size(e.Recommendation.Request)
	res, err := stress.Run(context.Background(), sc)
	if err != nil || res.Verdict.Status != result.StatusPass {
		t.Fatalf("run at the advised %d: %v (%+v)", e.Recommendation.Request, err, res.Verdict)
	}
	if int64(res.Totals.LargestStorm) > e.Recommendation.Needed {
		t.Fatalf("the measured storm %d is above the advised buffer %d", res.Totals.LargestStorm, e.Recommendation.Needed)
	}
	t.Logf("estimate %d, measured storm %d, advised request %d: %s", e.Storm, res.Totals.LargestStorm, e.Recommendation.Request, res.Verdict.Line)
}
func writeFile(path string, b []byte) error { return os.WriteFile(path, b, 0o644) }

// diagnose, pointed at a lab's subject namespace where nlstress runs FRR,
// names zebra's two sockets, reads its --nl-bufsize from its command line,
// and sizes the frr.conf nlstress wrote against it.
func TestFindsZebra(t *testing.T) {
	roottest.RequireFRR(t)
	sc := scenario.Default()
	sc.Target, sc.VRIDs, sc.AdvertInterval, sc.RcvBuf = scenario.TargetFRR, 16, 100*time.Millisecond, 2*bytesize.MiB
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, res, err := stress.Open(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(ctx, nil) })
	conf := filepath.Join(lab.RunDir, res.Lab.RunID, "frr", "frr.conf")
	rep, err := Run(Options{Namespace: res.Lab.Namespaces[0], FRRConf: conf, FRRConfGiven: true, Conf: "/nonexistent"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.FRR == nil || len(rep.FRR.Zebras) != 1 {
		t.Fatalf("FRR report %+v: want the one zebra", rep.FRR)
	}
	z := rep.FRR.Zebras[0]
	if z.NLBufSize != int64(2*bytesize.MiB) || z.Listen == nil || z.DataplaneIn == nil ||
		z.Listen.Role != "zebra netlink-listen" || z.DataplaneIn.Role != "zebra netlink-dp-in" || z.Listen.RcvBuf != 4<<20 {
		t.Fatalf("zebra %+v (listen %+v, dp-in %+v): want -s 2 MiB read and both sockets named, 4 MiB granted", z, z.Listen, z.DataplaneIn)
	}
	a := rep.FRR.Analysis
	if a == nil || len(a.Routers) != 16 || a.Macvlans != 16 || a.Largest != "eth2" || a.NLBufSize != int64(2*bytesize.MiB) ||
		!strings.Contains(a.NLBufFrom, "running zebra") || !a.Recommendation.Enough || Problems(rep) != 0 {
		t.Fatalf("analysis %+v: want 16 routers on eth2 sized against the running zebra's 2 MiB, enough", a)
	}
}

// zebra's buffer comes from a running zebra, else the daemons file, else
// zebra's default, and says where from.
func TestZebraBuffer(t *testing.T) {
	daemons := filepath.Join(t.TempDir(), "daemons")
	if err := os.WriteFile(daemons, []byte("zebra=yes\nzebra_options=\"  -A 127.0.0.1 -s 90000000\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dflt := int64(scenario.FRRDefaultNLBufSize)
	for _, tt := range []struct {
		name    string
		zebras  []ZebraProcess
		daemons string
		size    int64
		from    string
	}{
		{"running with -s", []ZebraProcess{{PID: 42, NLBufSize: 8 << 20}}, daemons, 8 << 20, "running zebra, pid 42"},
		{"running without -s", []ZebraProcess{{PID: 42}}, daemons, dflt, "has no -s"},
		{"the daemons file", nil, daemons, 90000000, "zebra_options in " + daemons},
		{"nothing", nil, filepath.Join(t.TempDir(), "none"), dflt, "no readable"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			size, from := zebraBuffer(tt.zebras, tt.daemons)
			if size != tt.size || !strings.Contains(from, tt.from) {
				t.Fatalf("zebraBuffer = %d, %q; want %d, %q", size, from, tt.size, tt.from)
			}
		})
	}
}
