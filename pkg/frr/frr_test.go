package frr

import (
	"bufio"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestRender(t *testing.T) {
	got := string(Render(Config{Hostname: "nls-abc", Instances: []Instance{
		{Interface: "eth2", VRID: 1, Priority: 200, Version: 3, Interval: 100 * time.Millisecond, VIPs: []netip.Addr{netip.MustParseAddr("10.0.0.1")}},
		{Interface: "eth3", VRID: 1, Priority: 200, Version: 3, Interval: time.Second, VIPs: []netip.Addr{netip.MustParseAddr("2001:db8::1")}},
		{Interface: "eth2", VRID: 2, Priority: 150, Version: 2, Interval: 2 * time.Second, VIPs: []netip.Addr{netip.MustParseAddr("10.0.0.2"), netip.MustParseAddr("10.0.0.3")}},
	}}))
	want := `! Written by nlstress for one run; do not edit.
frr defaults traditional
hostname nls-abc
log timestamp precision 6
!
interface eth2
 vrrp 1 version 3
 vrrp 1 priority 200
 vrrp 1 advertisement-interval 100
 vrrp 1 ip 10.0.0.1
 vrrp 2 version 2
 vrrp 2 priority 150
 vrrp 2 advertisement-interval 2000
 vrrp 2 ip 10.0.0.2
 vrrp 2 ip 10.0.0.3
!
interface eth3
 vrrp 1 version 3
 vrrp 1 priority 200
 vrrp 1 advertisement-interval 1000
 vrrp 1 ipv6 2001:db8::1
!
`
	if got != want {
		t.Fatalf("Render:\n%s\nwant:\n%s", got, want)
	}
}

func TestOverruns(t *testing.T) {
	log := `2026/11/27 03:18:54.000001 ZEBRA: [T83RR-8SM5G] zebra 8.4.4 starting: vty@0
2026/11/27 03:20:01.123456 ZEBRA: [XXXXX-XXXXX][EC 4043309093] netlink-listen (NS 0) recvmsg overrun: No buffer space available
2026/11/27 03:20:01.2 ZEBRA: [XXXXX-XXXXX][EC 4043309093] netlink-dp-in (NS 0) recvmsg overrun: No buffer space av`
	got := Overruns(log)
	if len(got) != 1 || got[0] != "netlink-listen (NS 0) recvmsg overrun: No buffer space available" {
		t.Fatalf("Overruns = %q", got)
	}
}

func TestParseInterfaces(t *testing.T) {
	m, err := ParseInterfaces([]byte(`{"eth2":{"administrativeStatus":"up","operationalStatus":"down","index":10,"protodown":"off"},
	"vrrp.1":{"operationalStatus":"up","index":1000,"protodown":"on"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 2 || m["eth2"].Up() || m["eth2"].Index != 10 || !m["vrrp.1"].Up() || m["vrrp.1"].Protodown != "on" {
		t.Fatalf("ParseInterfaces = %+v", m)
	}
}

func TestParseShow(t *testing.T) {
	rs, err := ParseShow([]byte(`[{"vrid":1,"version":3,"interface":"eth2","v4":{"interface":"vrrp.1","status":"Master","stats":{"adverTx":2,"adverRx":0,"transitions":2}},
	"v6":{"interface":"","status":"Initialize","stats":{}}}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].VRID != 1 || rs[0].Of(4).Status != StateMaster || rs[0].Of(4).Stats.AdverTx != 2 || rs[0].Of(6).Status != StateInitialize {
		t.Fatalf("ParseShow = %+v", rs)
	}
	if _, err := ParseShow([]byte("% Unknown command")); err == nil || !strings.Contains(err.Error(), "show vrrp json") {
		t.Fatalf("ParseShow of an error = %v", err)
	}
}

func TestReadReply(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		out    string
		status byte
		err    bool
	}{
		{"success", "[]\n\x00\x00\x00\x00", "[]\n", 0, false},
		{"warning", "% Unknown command\n\x00\x00\x00\x02", "% Unknown command\n", 2, false},
		{"cut", "[{\"vrid\":1", "", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One byte at a time: the terminator may arrive split.
			out, status, err := readReply(iotest.OneByteReader(strings.NewReader(tc.in)))
			if (err != nil) != tc.err || (!tc.err && (string(out) != tc.out || status != tc.status)) {
				t.Fatalf("readReply(%q) = %q, %d, %v", tc.in, out, status, err)
			}
		})
	}
}

func TestParseConf(t *testing.T) {
	text := `frr version 8.4
frr defaults traditional
hostname r1
!
interface eth0
 description uplink
 vrrp 5 version 2
 vrrp 5 priority 200
 vrrp 5 ip 10.0.2.16
 vrrp 5 ip 10.0.2.17
 vrrp 6
 vrrp 6 ipv6 2001:db8::1
 vrrp 6 ip 10.0.2.18
exit
!
interface eth1 vrf blue
 vrrp 5 ip 10.1.0.1
!
router bgp 65000
 neighbor 10.0.0.1 remote-as 65001
!
vrrp default priority 150
`
	got, err := ParseConf(bufio.NewScanner(strings.NewReader(text)))
	if err != nil {
		t.Fatal(err)
	}
	want := []ConfRouter{
		{Interface: "eth0", VRID: 5, Version: 2, V4: 2},
		{Interface: "eth0", VRID: 6, Version: 3, V4: 1, V6: 1},
		{Interface: "eth1", VRID: 5, Version: 3, V4: 1},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ParseConf = %+v, want %+v", got, want)
	}
	if m := got[1].Macvlans(); m != 2 {
		t.Fatalf("a router with both families needs %d macvlans, want 2", m)
	}
	for _, bad := range []string{"interface eth0\n vrrp 256 ip 10.0.0.1\n", "interface eth0\n vrrp 1 ip 10.0.0.300\n", "vrrp 1 ip 10.0.0.1\n"} {
		if _, err := ParseConf(bufio.NewScanner(strings.NewReader(bad))); err == nil || !strings.Contains(err.Error(), "line ") {
			t.Errorf("ParseConf(%q) = %v, want an error naming the line", bad, err)
		}
	}
}

func TestNLBufSizeArg(t *testing.T) {
	for _, tt := range []struct {
		args []string
		size int64
		set  bool
	}{
		{[]string{"/usr/lib/frr/zebra", "-d", "-A", "127.0.0.1", "-s", "90000000"}, 90000000, true},
		{[]string{"zebra", "-s90000000"}, 90000000, true},
		{[]string{"zebra", "--nl-bufsize", "8388608"}, 8388608, true},
		{[]string{"zebra", "--nl-bufsize=16777216", "-s", "1024"}, 1024, true},
		{[]string{"zebra", "-d", "-A", "127.0.0.1"}, 0, false},
		{[]string{"zebra", "-s"}, 0, false},
		{[]string{"zebra", "--socket", "/run/zserv.api"}, 0, false},
	} {
		if size, set := NLBufSizeArg(tt.args); size != tt.size || set != tt.set {
			t.Errorf("NLBufSizeArg(%q) = %d, %v; want %d, %v", tt.args, size, set, tt.size, tt.set)
		}
	}
}

func TestDaemonsZebraOptions(t *testing.T) {
	text := "bgpd=no\nzebra=yes\n#zebra_options=\"-s 1\"\nzebra_options=\"  -A 127.0.0.1 -s 90000000\"\nbgpd_options=\"   -A 127.0.0.1\"\n"
	if got := DaemonsZebraOptions(text); !slices.Equal(got, []string{"-A", "127.0.0.1", "-s", "90000000"}) {
		t.Fatalf("DaemonsZebraOptions = %q", got)
	}
	if got := DaemonsZebraOptions("bgpd=no\n"); got != nil {
		t.Fatalf("DaemonsZebraOptions without the line = %q", got)
	}
}
