package keepalived

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRender(t *testing.T) {
	g := Global{RouterID: "nls-abc", RcvBuf: 1000000, Force: true, NotifyFIFO: "/run/nlstress/abc/notify.fifo", Extra: "vrrp_no_swap\n  vrrp_rt_priority 50"}
	in := []Instance{{
		Name: "VI_1", Interface: "eth2", VRID: 1, Priority: 200, Version: 3, Interval: 100 * time.Millisecond,
		VIPs: []netip.Addr{netip.MustParseAddr("198.19.0.1")}, VMAC: "vrrp.1",
		Routes: []netip.Prefix{netip.MustParsePrefix("198.18.128.0/32")}, Via: netip.MustParseAddr("198.18.0.2"),
	}}
	conf := string(Render(g, in))
	for _, want := range []string{
		"router_id nls-abc\n",
		"vrrp_netlink_monitor_rcv_bufs 1000000\n",
		"vrrp_netlink_monitor_rcv_bufs_force\n",
		"notify_fifo /run/nlstress/abc/notify.fifo\n",
		"  vrrp_no_swap\n  vrrp_rt_priority 50\n",
		"vrrp_instance VI_1 {\n  state BACKUP\n  interface eth2\n  virtual_router_id 1\n  priority 200\n  version 3\n  advert_int 0.1\n",
		"use_vmac vrrp.1\n",
		"    198.19.0.1/32\n",
		"    198.18.128.0/32 via 198.18.0.2 dev eth2\n",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	if strings.Count(conf, "{") != strings.Count(conf, "}") {
		t.Errorf("unbalanced braces:\n%s", conf)
	}
	plain := string(Render(Global{RouterID: "x"}, nil))
	if strings.Contains(plain, "rcv_bufs") || strings.Contains(plain, "notify_fifo") {
		t.Errorf("defaults should leave keepalived's own buffer and no FIFO:\n%s", plain)
	}
}

func TestParseNotification(t *testing.T) {
	tests := []struct {
		line string
		want Notification
		err  error
	}{
		{`INSTANCE "VI_12" MASTER 200`, Notification{Instance: "VI_12", State: "MASTER", Priority: 200}, nil},
		{`INSTANCE "VI_1" FAULT 0` + "\n", Notification{Instance: "VI_1", State: "FAULT"}, nil},
		{`INSTANCE "VI_1" BACKUP`, Notification{Instance: "VI_1", State: "BACKUP"}, nil},
		{`GROUP "G1" MASTER 0`, Notification{}, ErrNotInstance},
		{`INSTANCE "VI_1" MASTER_RX_LOWER_PRI 200`, Notification{}, ErrNotInstance},
		{``, Notification{}, ErrNotInstance},
	}
	for _, tt := range tests {
		got, err := ParseNotification(tt.line)
		if !errors.Is(err, tt.err) || got != tt.want {
			t.Errorf("ParseNotification(%q) = %+v, %v; want %+v, %v", tt.line, got, err, tt.want, tt.err)
		}
	}
	if _, err := ParseNotification(`INSTANCE VI_1 MASTER 200`); err == nil {
		t.Error("an unquoted name was accepted")
	}
	if _, err := ParseNotification(`INSTANCE "VI_1" MASTER high`); err == nil {
		t.Error("a non-numeric priority was accepted")
	}
}

func FuzzParseNotification(f *testing.F) {
	f.Add(`INSTANCE "VI_12" MASTER 200`)
	f.Add(`GROUP "G" BACKUP 0`)
	f.Fuzz(func(t *testing.T, line string) {
		n, err := ParseNotification(line)
		if err == nil && (n.Instance == "" && !strings.Contains(line, `""`)) {
			t.Fatalf("accepted %q with no instance", line)
		}
	})
}

func TestLinkReports(t *testing.T) {
	log := `Thu Nov 26 15:51:28 2026: Netlink reports vrrp.154 up
Thu Nov 26 15:51:28 2026: (VI_154) Entering BACKUP STATE
Thu Nov 26 15:51:29 2026: Netlink reports eth2 down
Netlink reports vrrp.7 sideways
Thu Nov 26 15:51:29 2026: Netlink reports vrrp.9 down
`
	got := LinkReports(log)
	want := []LinkReport{{"vrrp.154", true}, {"eth2", false}, {"vrrp.9", false}}
	if !slices.Equal(got, want) {
		t.Fatalf("LinkReports = %v, want %v", got, want)
	}
}
