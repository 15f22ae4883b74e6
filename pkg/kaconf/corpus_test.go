package kaconf

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// corpusCase is one file of testdata/corpus: what nlstress must read from
// it, or the error it must give. corpus_linux_test.go checks every file
// against keepalived -t as well: keepalived accepts a file exactly when
// wantErr is empty.
type corpusCase struct {
	file string
	// wantErr is a part of the error, with the line: ":3: ...".
	wantErr string
	check   func(t *testing.T, c Config)
}

// vrids lists the instances' VRIDs in order.
func vrids(c Config) []int {
	var out []int
	for _, in := range c.Instances {
		out = append(out, in.VRID)
	}
	return out
}

var corpus = []corpusCase{
	{file: "brace-own-line.conf", check: func(t *testing.T, c Config) {
		if len(c.Instances) != 1 || c.Instances[0].Interface != "eth2" || !reflect.DeepEqual(c.Instances[0].VIPs, []string{"10.0.0.1/24"}) {
			t.Errorf("instances %+v", c.Instances)
		}
	}},
	{file: "comments.conf", check: func(t *testing.T, c Config) {
		if c.RcvBufs != 600000 || len(c.Instances) != 1 || c.Instances[0].VRID != 7 || c.Instances[0].Interface != "eth2" || c.Instances[0].VIPs[0] != "10.0.0.1/24" {
			t.Errorf("config %+v", c)
		}
	}},
	{file: "force-yes.conf", check: wantForce(true)},
	{file: "force-on.conf", check: wantForce(true)},
	{file: "force-true.conf", check: wantForce(true)},
	{file: "force-bare.conf", check: wantForce(true)},
	{file: "force-no.conf", check: wantForce(false)},
	{file: "force-off.conf", check: wantForce(false)},
	{file: "force-false.conf", check: wantForce(false)},
	{file: "force-YES.conf", wantErr: `:3: vrrp_netlink_monitor_rcv_bufs_force "YES"`},
	{file: "rcvbufs-zero.conf", check: func(t *testing.T, c Config) {
		if c.RcvBufs != 0 {
			t.Errorf("rcv_bufs %d: 0 is keepalived's default", c.RcvBufs)
		}
	}},
	{file: "rcvbufs-hex.conf", wantErr: `:2: vrrp_netlink_monitor_rcv_bufs "0x100000"`},
	{file: "rcvbufs-unit.conf", wantErr: `:2: vrrp_netlink_monitor_rcv_bufs "1M"`},
	{file: "definitions.conf", check: func(t *testing.T, c Config) {
		in := c.Instances[0]
		if c.RcvBufs != 700000 || in.Interface != "eth3" || !reflect.DeepEqual(in.VIPs, []string{"10.1.0.1/24", "10.1.0.2/24 dev eth3"}) {
			t.Errorf("config %+v", c)
		}
	}},
	// $NAME is replaced only before a blank, ",", ")" or the end of the
	// line: "$NET.2" stays as written, and is no address.
	{file: "definitions-no-brace.conf", wantErr: `:6: virtual address "$NET.2/24"`},
	{file: "seq.conf", check: func(t *testing.T, c Config) {
		if !reflect.DeepEqual(vrids(c), []int{1, 2, 3, 4}) || c.Instances[3].Name != "VI_4" || c.Instances[3].VIPs[0] != "10.2.0.4/24" || c.Instances[0].AdvertInt != 2*time.Second {
			t.Errorf("instances %+v", c.Instances)
		}
	}},
	{file: "seq-step.conf", check: func(t *testing.T, c Config) {
		if !reflect.DeepEqual(vrids(c), []int{10, 20, 30}) {
			t.Errorf("vrids %v", vrids(c))
		}
	}},
	{file: "seq-bad-step.conf", wantErr: ":1: invalid ~SEQ values"},
	{file: "seq-v2-fraction.conf", wantErr: ":12: vrrp_instance VI_1: VRRPv2 advert_int 500ms"},
	{file: "config-id.conf", check: func(t *testing.T, c Config) {
		if c.RcvBufs != 800000 {
			t.Errorf("rcv_bufs %d: want the @^backup line's 800000", c.RcvBufs)
		}
	}},
	{file: "include-missing.conf", check: func(t *testing.T, c Config) {
		if len(c.Instances) != 1 || len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "include-missing.conf:1: include") {
			t.Errorf("instances %d, warnings %q", len(c.Instances), c.Warnings)
		}
	}},
	{file: "dup-vrid.conf", wantErr: ":9: VI_1 and VI_2 both use VRID 5 with IPv4 on interface eth2"},
	{file: "dup-vrid-other.conf", check: func(t *testing.T, c Config) {
		if len(c.Instances) != 3 || c.Instances[2].Family != 6 {
			t.Errorf("instances %+v", c.Instances)
		}
	}},
	{file: "vrid-256.conf", wantErr: `:3: virtual_router_id "256"`},
	{file: "no-vip.conf", wantErr: ":1: vrrp_instance VI_1 has no virtual address"},
	{file: "no-interface.conf", wantErr: ":1: vrrp_instance VI_1 has no interface"},
	{file: "unclosed.conf", wantErr: ":1: block opened here is never closed"},
	{file: "extra-brace.conf", wantErr: ":4: extra '}'"},
	{file: "unterminated-quote.conf", wantErr: ":2: unterminated quote"},
	{file: "sync-group.conf", check: func(t *testing.T, c Config) {
		want := []SyncGroup{{Name: "G1", Members: []string{"VI_1", "VI_2"}, TrackIfaces: []string{"eth3"}}}
		got := c.SyncGroups
		for i := range got {
			got[i].File, got[i].Line = "", 0
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("sync groups %+v", got)
		}
		one, two := c.Instances[0], c.Instances[1]
		if one.VMACInterface() != "vrrp-one" || len(one.ExcludedVIPs) != 1 || len(one.Routes) != 1 || one.Family != 4 {
			t.Errorf("VI_1 %+v", one)
		}
		if two.VMACInterface() != "vrrp6.2" || two.Version != 3 || two.Family != 6 {
			t.Errorf("VI_2 %+v", two)
		}
	}},
	// An IPv6 instance without a version line is VRRPv3, so a fraction
	// of a second is valid.
	{file: "v6-fraction.conf", check: func(t *testing.T, c Config) {
		if in := c.Instances[0]; in.Version != 3 || in.AdvertInt != 500*time.Millisecond || in.Family != 6 {
			t.Errorf("instance %+v: want VRRPv3 IPv6 at 500ms", in)
		}
	}},
	{file: "v3-advert-15ms.conf", wantErr: ":1: vrrp_instance VI_1: VRRPv3 advert_int 15ms"},
	// One VRID twice on one interface is allowed for unicast instances
	// without a peer in common, and for multicast ones to other groups.
	{file: "dup-vrid-unicast.conf", check: func(t *testing.T, c Config) {
		if !reflect.DeepEqual(vrids(c), []int{9, 9}) {
			t.Errorf("vrids %v", vrids(c))
		}
	}},
	{file: "dup-vrid-unicast-peer.conf", wantErr: ":12: VI_2: duplicate VRID conflict with VI_1 VRID 9"},
	{file: "dup-vrid-mcast.conf", check: func(t *testing.T, c Config) {
		if c.Instances[1].McastDst != "224.0.0.100" {
			t.Errorf("instances %+v", c.Instances)
		}
	}},
	{file: "dup-vrid-mcast-default.conf", wantErr: ":9: VI_1 and VI_2 both use VRID 9 with IPv4 on interface eth2"},
	// A static route with a track_group joins its family's route group;
	// a no_track virtual route and rule join nothing; IPv6 routes join
	// IPv6's group only.
	{file: "static-track.conf", check: func(t *testing.T, c Config) {
		want := RouteGroups{IPv4Routes: true, IPv6Routes: true}
		if g := c.MonitorRouteGroups(); g != want || len(c.StaticRoutes) != 2 || len(c.StaticRules) != 1 || !c.Instances[0].IPVLAN {
			t.Errorf("groups %+v (want %+v), static %q %q, ipvlan %v", g, want, c.StaticRoutes, c.StaticRules, c.Instances[0].IPVLAN)
		}
	}},
	{file: "static-track-unknown.conf", wantErr: ":7: track_group G not found"},
	// The old spelling of the limit is still read (and logged as
	// deprecated).
	{file: "rt-priority.conf", check: func(t *testing.T, c Config) {
		if c.RTPriority != 50 || c.RlimitRTTime != 200*time.Millisecond {
			t.Errorf("rt priority %d, rlimit %v; want 50 and 200ms", c.RTPriority, c.RlimitRTTime)
		}
	}},
	{file: "rt-priority-range.conf", wantErr: `:2: vrrp_rt_priority "120"`},
	{file: "rt-rlimit-unit.conf", wantErr: `:3: vrrp_rlimit_rttime "10ms"`},
}

func wantForce(force bool) func(t *testing.T, c Config) {
	return func(t *testing.T, c Config) {
		if c.RcvBufs != 600000 || c.Force != force {
			t.Errorf("rcv_bufs %d force %v; want 600000 force %v", c.RcvBufs, c.Force, force)
		}
	}
}

func TestCorpus(t *testing.T) {
	for _, tt := range corpus {
		t.Run(tt.file, func(t *testing.T) {
			c, err := Read(filepath.Join("testdata", "corpus", tt.file), Options{})
			if tt.wantErr != "" {
				if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.file+tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v; want one line wrapping ErrConfig with %q", err, tt.file+tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, c)
		})
	}
}

func TestCorpusIsComplete(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "corpus", "*.conf"))
	listed := map[string]bool{}
	for _, tt := range corpus {
		listed[tt.file] = true
	}
	for _, f := range files {
		if !listed[filepath.Base(f)] {
			t.Errorf("%s is in the corpus directory but not in the table", f)
		}
	}
}
