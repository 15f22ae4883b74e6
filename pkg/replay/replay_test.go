package replay

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/standin"
)

func TestLoadEdge(t *testing.T) {
	r, err := Load(Options{Conf: filepath.Join("testdata", "edge.conf")})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ifc := range r.Layout.Interfaces {
		names = append(names, ifc.Name)
	}
	if !reflect.DeepEqual(names, []string{"eth2", "bond0.100"}) || len(r.Instances) != 9 {
		t.Fatalf("interfaces %v, %d instances", names, len(r.Instances))
	}
	in := r.Instances[7]
	if in.Name != "VI_8" || in.VRID != 8 || in.Priority != 150 || in.VMAC != "vrrp.8" || in.Version != 2 || !reflect.DeepEqual(in.VIPs, []netip.Addr{netip.MustParseAddr("10.20.0.8")}) {
		t.Fatalf("VI_8 %+v", in)
	}
	// eth2 gets an address next to the virtual routes' gateway, whose
	// /24 the peer holds; bond0.100 the unicast pair.
	eth2, bond := r.Layout.Interfaces[0], r.Layout.Interfaces[1]
	if !reflect.DeepEqual(eth2.Subject, []netip.Prefix{netip.MustParsePrefix("192.168.7.2/24")}) || !reflect.DeepEqual(eth2.Peer, []netip.Prefix{netip.MustParsePrefix("192.168.7.1/24")}) {
		t.Errorf("eth2 %+v", eth2)
	}
	if !reflect.DeepEqual(bond.Subject, []netip.Prefix{netip.MustParsePrefix("172.16.5.2/24")}) || !reflect.DeepEqual(bond.Peer, []netip.Prefix{netip.MustParsePrefix("172.16.5.3/24")}) || !r.Instances[8].Unicast {
		t.Errorf("bond0.100 %+v", bond)
	}
	var changes []string
	for _, c := range r.Changes {
		changes = append(changes, c.String())
	}
	for _, want := range []string{
		"edge.conf:9: vrrp_script kept: runs nlstress's stand-in",
		"edge.conf:3: vrrp_strict removed",
		"notify_master kept (8 times): runs nlstress's stand-in",
		"edge.conf:44: nopreempt removed",
	} {
		if !strings.Contains(strings.Join(changes, "\n"), want) {
			t.Errorf("changes lack %q:\n%s", want, strings.Join(changes, "\n"))
		}
	}
	if got := r.Scripts(); len(got) != 2 || got["notify_master"] != 8 || got[standin.Check] != 1 {
		t.Errorf("scripts %v, want 8 notify_master and 1 check", got)
	}
	if _, err := lab.NewPlan(lab.Spec{Instances: len(r.Instances), Layout: &r.Layout}); err != nil {
		t.Fatalf("the layout is no lab: %v", err)
	}
}

// renderAndRead renders r with the lab's buffer b and reads the text back
// as keepalived would.
func renderAndRead(t *testing.T, r *Replay, b Buffer) ([]byte, kaconf.Config) {
	t.Helper()
	text := r.Render("/run/x/notify.fifo", b, testStandins(t), Lines{})
	p := filepath.Join(t.TempDir(), "out.conf")
	if err := os.WriteFile(p, text, 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := kaconf.Read(p, kaconf.Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	return text, back
}

// testStandins is a stand-in in a directory of the test's.
func testStandins(t *testing.T) *standin.Set {
	t.Helper()
	s, err := standin.Write(t.TempDir(), standin.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The rendered configuration reads back as the same instances, with the
// lab's FIFO and buffer, without what was removed, and with every script
// the stand-in's; its lines point back into the user's file.
func TestRenderReadsBack(t *testing.T) {
	r, err := Load(Options{Conf: filepath.Join("testdata", "edge.conf")})
	if err != nil {
		t.Fatal(err)
	}
	text, back := renderAndRead(t, r, Buffer{Set: true, Bytes: 500000, Force: true})
	if len(back.Instances) != 9 || back.RcvBufs != 500000 || !back.Force || !back.NotifyFIFO || !back.Instances[0].NotifyScript || back.Instances[0].TrackScripts != 1 {
		t.Fatalf("read back %+v", back)
	}
	lines := strings.Split(string(text), "\n")
	scripts := 0
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		switch f[0] {
		case "vrrp_strict", "notification_email", "nopreempt":
			t.Errorf("rendered text keeps %q", l)
		case "notify_master", "script":
			scripts++
			if !strings.Contains(l, "/standin ") || strings.Contains(l, "/etc/keepalived") || strings.Contains(l, "pgrep") {
				t.Errorf("a script that is not the stand-in's: %q", l)
			}
		}
	}
	if scripts != 9 {
		t.Errorf("%d scripts in the rendered text, want 8 notify_master and 1 vrrp_script", scripts)
	}
	// The stand-ins run as root under keepalived's script security: the
	// user's line went, nlstress's is there once.
	security := 0
	for _, l := range lines {
		if f := strings.Fields(l); len(f) > 0 && (f[0] == "enable_script_security" || f[0] == "script_user" && len(f) == 2 && f[1] == "root") {
			security++
		}
	}
	if security != 2 {
		t.Errorf("script security not set once, as root:\n%s", text)
	}
	for i, l := range lines {
		if strings.TrimSpace(l) == "virtual_router_id 50" {
			if o := r.Origin(i + 1); !strings.HasSuffix(o, "edge.conf:35") {
				t.Errorf("line %d %q comes from %q, want edge.conf:35", i+1, l, o)
			}
		}
	}
	msg := r.Explain("(/run/x/keepalived.conf: Line 1) something")
	if msg != "(/run/x/keepalived.conf: Line 1) something" {
		t.Errorf("a comment line was explained: %q", msg)
	}
}

// TestRenderOverridesEveryGlobalDefs: keepalived applies global_defs
// blocks in order, so a buffer set in a later block (here from an
// included file) wins; the lab's buffer must win over all of them, or a
// sweep probes the user's buffer at every step.
func TestRenderOverridesEveryGlobalDefs(t *testing.T) {
	r, err := Load(Options{Conf: filepath.Join("testdata", "two-globals", "keepalived.conf")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Config.RcvBufs != 4194304 || !r.Config.Force {
		t.Fatalf("read %d force %v: want the later block's 4194304 with force", r.Config.RcvBufs, r.Config.Force)
	}
	for _, b := range []Buffer{{Set: true, Bytes: 65536}, {Set: true, Bytes: 500000, Force: true}} {
		text, back := renderAndRead(t, r, b)
		if back.RcvBufs != b.Bytes || back.Force != b.Force || strings.Count(string(text), "vrrp_netlink_monitor_rcv_bufs ") != 1 {
			t.Fatalf("lab buffer %+v read back as %d force %v:\n%s", b, back.RcvBufs, back.Force, text)
		}
	}
	// Without a lab buffer, the user's lines stay as they are.
	back := r.Render("/run/x/notify.fifo", Buffer{}, testStandins(t), Lines{})
	if strings.Count(string(back), "vrrp_netlink_monitor_rcv_bufs ") != 2 {
		t.Fatalf("the user's buffer lines were touched:\n%s", back)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	inst := func(name, ifc string, vrid int, extra string) string {
		return "vrrp_instance " + name + " {\n interface " + ifc + "\n virtual_router_id " + itoa(vrid) + "\n" + extra + " virtual_ipaddress {\n  10.0.0." + itoa(vrid) + "/24\n }\n}\n"
	}
	tests := []struct {
		name, text, addrs string
		want              error
		wantText          string
	}{
		{"keepalived rejects", inst("A", "eth2", 1, "") + inst("B", "eth2", 1, ""), "", kaconf.ErrConfig, "c.conf:8: A and B both use VRID 1"},
		{"no instance", "global_defs {\n}\n", "", ErrReplay, "no vrrp_instance"},
		{"priority the peer cannot undercut", inst("A", "eth2", 1, " priority 1\n"), "", ErrReplay, "c.conf:1: A has priority 1"},
		{"interface name the kernel refuses", inst("A", "a-very-long-interface-name", 1, ""), "", lab.ErrInvalidSpec, "interface name"},
		{"address for an unused interface", inst("A", "eth2", 1, ""), "eth9=10.0.0.1/24", ErrReplay, "--interface-address eth9"},
		{"unicast of two families", inst("A", "eth2", 1, " unicast_src_ip 10.0.0.1\n unicast_peer {\n  2001:db8::1\n }\n"), "", ErrReplay, "c.conf:1: A: unicast_src_ip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "c.conf")
			if err := os.WriteFile(p, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			addrs, err := ParseAddresses(tt.addrs)
			if err != nil {
				t.Fatal(err)
			}
			r, err := Load(Options{Conf: p, Addresses: addrs})
			if err == nil {
				_, err = lab.NewPlan(lab.Spec{Instances: len(r.Instances), Layout: &r.Layout})
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("err = %v; want %v with %q", err, tt.want, tt.wantText)
			}
		})
	}
}

func TestParseAddresses(t *testing.T) {
	got, err := ParseAddresses("eth2=10.0.0.1/16, eth2=10.9.0.1/24,eth3=2001:db8::1/64")
	if err != nil || len(got["eth2"]) != 2 || got["eth3"][0].Bits() != 64 {
		t.Fatalf("%v %v", got, err)
	}
	for _, bad := range []string{"eth2", "eth2=10.0.0.1", "=10.0.0.1/24", "eth2=x/24"} {
		if _, err := ParseAddresses(bad); !errors.Is(err, ErrReplay) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestGivenAddressGetsAPeerNextToIt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.conf")
	os.WriteFile(p, []byte("vrrp_instance A {\n interface eth2\n virtual_router_id 1\n virtual_ipaddress {\n 10.0.0.9/16\n }\n}\n"), 0o644)
	r, err := Load(Options{Conf: p, Addresses: map[string][]netip.Prefix{"eth2": {netip.MustParsePrefix("10.0.255.254/16")}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Layout.Interfaces[0].Peer; !reflect.DeepEqual(got, []netip.Prefix{netip.MustParsePrefix("10.0.255.253/16")}) {
		t.Fatalf("peer %v: want the host before the broadcast's neighbour", got)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// In the incident's configuration the routes' gateway, 10.2.0.254, is
// also VI_254's VIP, and 10.2.0.253 VI_253's: the lab's addresses must be
// none of them (keepalived put every instance in FAULT, "no IPv4 address
// for interface", when the subject's only address was a VIP), and the
// gateway must stay on-link.
func TestInferredAddressesAvoidVIPs(t *testing.T) {
	r, err := Load(Options{Conf: filepath.Join("..", "..", "scenarios", "keepalived", "incident-2519.conf")})
	if err != nil {
		t.Fatal(err)
	}
	vips := map[netip.Addr]bool{}
	for _, in := range r.Instances {
		for _, v := range in.VIPs {
			vips[v] = true
		}
	}
	ifc := r.Layout.Interfaces[0]
	for _, p := range append(append([]netip.Prefix{}, ifc.Subject...), ifc.Peer...) {
		if vips[p.Addr()] {
			t.Errorf("lab address %s is a VIP", p)
		}
	}
	if len(ifc.Subject) != 1 || !ifc.Subject[0].Contains(netip.MustParseAddr("10.2.0.254")) {
		t.Errorf("subject %v: want one address with the gateway 10.2.0.254 on-link", ifc.Subject)
	}
}
