package diagnose

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/frr"
	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/scenario"
)

const fixtures = "../../scenarios/keepalived"

func analyzeFile(t *testing.T, path string, rmemMax int64) (kaconf.Config, Estimate, []Finding) {
	t.Helper()
	k, err := analyzeConf(path, "", rmemMax)
	if err != nil {
		t.Fatal(err)
	}
	return k.Config, k.Estimate, k.Findings
}

func findings(fs []Finding, severity string) []string {
	var out []string
	for _, f := range fs {
		if f.Severity == severity {
			out = append(out, f.Text+" | "+strings.Join(f.Paste, "; "))
		}
	}
	return out
}

func contains(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestIncidentConfig(t *testing.T) {
	c, e, fs := analyzeFile(t, filepath.Join(fixtures, "incident-2519.conf"), 212992)
	if len(c.Instances) != 255 || c.RcvBufs != 0 || c.Force {
		t.Fatalf("config: %d instances, rcv_bufs %d force %v", len(c.Instances), c.RcvBufs, c.Force)
	}
	// Virtual routes make keepalived listen to the route groups: each
	// /32 VIP then brings its local route (VI_3's /24 brings three).
	if e.Interface != "eth2" || e.Instances != 255 || e.VMACs != 0 || e.VIPs != 255 || e.VIPRoutes != 257 || e.Routes != 256 || e.Rules != 255 {
		t.Fatalf("estimate %+v", e)
	}
	want := int64(math.Ceil(float64(BytesBase+255*BytesPerVIP+257*BytesPerVIPRoute+256*BytesPerRoute+255*BytesPerRule) * Headroom))
	if e.Storm != want || e.Configured != 2*int64(scenario.KeepalivedDefaultRcvBuf) || e.Recommendation.Enough {
		t.Fatalf("storm %d (want %d), configured %d, enough %v", e.Storm, want, e.Configured, e.Recommendation.Enough)
	}
	problems := findings(fs, "problem")
	for _, w := range []string{
		"it will overrun, and keepalived never re-reads what it lost | vrrp_netlink_monitor_rcv_bufs 593920; vrrp_netlink_monitor_rcv_bufs_force",
		"virtual route 10.100.1.0/24 is managed by 2 instances (VI_1, VI_2)",
		"VI_3: virtual address 10.2.0.255/24 is its subnet's broadcast address | 10.2.0.255/24 brd +",
	} {
		if !contains(problems, w) {
			t.Errorf("problems lack %q:\n%s", w, strings.Join(problems, "\n"))
		}
	}
	advice := findings(fs, "advice")
	if !contains(advice, "255 instances run notify scripts") {
		t.Errorf("advice lacks the notify line:\n%s", strings.Join(advice, "\n"))
	}
	// The incident thread's vrrp_rt_priority advice is never pasted: alone
	// it has keepalived killed at start at this scale.
	for _, f := range fs {
		for _, p := range f.Paste {
			if strings.Contains(p, "vrrp_rt_priority") || strings.Contains(p, "vrrp_no_swap") {
				t.Errorf("diagnose pastes %q (%s)", p, f.Text)
			}
		}
	}
}

// TestRealTimeWithoutItsLimit: a vrrp_rt_priority under a real-time limit
// below the one measured to let keepalived start is a problem with the
// limit to paste; a limit at or above it, or no real-time priority, says
// nothing.
func TestRealTimeWithoutItsLimit(t *testing.T) {
	for _, tt := range []struct {
		name     string
		priority int
		limit    time.Duration
		n        int
		want     string // part of the problem; "" for none
	}{
		{"no real-time priority", 0, 0, 255, ""},
		{"keepalived's default limit", 50, 0, 255, "vrrp_rt_priority 50 with a real-time limit of 10ms"},
		{"a limit below the measured one", 50, 50 * time.Millisecond, 255, "real-time limit of 50ms"},
		{"the measured limit", 50, 100 * time.Millisecond, 255, ""},
		{"the pasted limit", 50, time.Second, 255, ""},
		{"one instance: still the default limit", 10, 0, 1, "while it starts 1 instance(s)"},
		{"beyond what was measured says so", 50, 0, 300, "not measured beyond 255"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fs := realTime(kaconf.Config{Instances: make([]kaconf.Instance, tt.n), RTPriority: tt.priority, RlimitRTTime: tt.limit})
			switch {
			case tt.want == "" && len(fs) != 0:
				t.Fatalf("findings %+v; want none", fs)
			case tt.want == "":
				return
			case len(fs) != 1 || fs[0].Severity != "problem" || !strings.Contains(fs[0].Text, tt.want):
				t.Fatalf("findings %+v; want one problem with %q", fs, tt.want)
			case fs[0].Where != "global_defs" || len(fs[0].Paste) != 1 || fs[0].Paste[0] != "vrrp_rlimit_rttime 1000000":
				t.Fatalf("paste %q in %q; want vrrp_rlimit_rttime 1000000 in global_defs", fs[0].Paste, fs[0].Where)
			}
		})
	}
}

func TestVMACConfigWithTheFix(t *testing.T) {
	c, e, fs := analyzeFile(t, filepath.Join(fixtures, "vmac-255.conf"), 212992)
	if c.RcvBufs != 1000000 || !c.Force || c.OtherRcvBufs["vrrp_netlink_cmd_rcv_bufs"] != "1000000" {
		t.Fatalf("config %+v", c)
	}
	if e.VMACs != 255 || e.Configured != 2000000 || !e.Recommendation.Enough {
		t.Fatalf("estimate %+v: want 255 VMACs held by the forced 2,000,000", e)
	}
	if p := findings(fs, "problem"); len(p) != 0 {
		t.Fatalf("problems in a healthy config: %v", p)
	}
}

func TestSmallHealthyConfig(t *testing.T) {
	c, e, fs := analyzeFile(t, filepath.Join(fixtures, "small-healthy.conf"), 212992)
	if len(c.Instances) != 4 || c.Instances[0].TrackScripts != 1 || !c.NotifyFIFO || e.Interface != "eth0" || !e.Recommendation.Enough {
		t.Fatalf("config %+v estimate %+v", c, e)
	}
	if p := findings(fs, "problem"); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
}

func TestIncludesAndRmemCap(t *testing.T) {
	c, e, fs := analyzeFile(t, filepath.Join(fixtures, "with-includes", "keepalived.conf"), 212992)
	if len(c.Instances) != 100 || c.RcvBufs != 262144 || c.Force {
		t.Fatalf("config: %d instances (want 100 from two globbed files), rcv_bufs %d", len(c.Instances), c.RcvBufs)
	}
	if !e.CappedByRmem || e.Configured != 2*212992 {
		t.Fatalf("estimate %+v: want capped by rmem_max to 425984", e)
	}
	if !contains(findings(fs, "problem"), "capped by net.core.rmem_max") {
		t.Fatalf("no rmem_max finding: %v", fs)
	}
	if c.Instances[60].File != filepath.Join(fixtures, "with-includes", "conf.d", "vi-1.conf") {
		t.Fatalf("instance 61 comes from %s", c.Instances[60].File)
	}
}

func TestMalformedConfigIsOneLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.conf")
	os.WriteFile(p, []byte("global_defs {\n  vrrp_netlink_monitor_rcv_bufs lots\n}\n"), 0o644)
	_, err := analyzeConf(p, "", 212992)
	if !errors.Is(err, kaconf.ErrConfig) || !strings.Contains(err.Error(), "bad.conf:2: vrrp_netlink_monitor_rcv_bufs \"lots\"") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v; want one line wrapping kaconf.ErrConfig with file:line", err)
	}
}

// 255 IPv4 routers on one interface: zebra's default holds their storm;
// -s 65536 does not, and the advice is zebra's default (never below it).
func TestAnalyzeFRR(t *testing.T) {
	var routers []frr.ConfRouter
	for v := 1; v <= 255; v++ {
		routers = append(routers, frr.ConfRouter{Interface: "eth0", VRID: uint8(v), Version: 3, V4: 1})
	}
	routers = append(routers, frr.ConfRouter{Interface: "eth1", VRID: 1, Version: 3, V4: 2, V6: 1})
	a := AnalyzeFRR("frr.conf", routers, int64(scenario.FRRDefaultNLBufSize), "zebra's default")
	if a.Largest != "eth0" || a.Macvlans != 255 || a.ExtraAddrs != 0 || !a.Recommendation.Enough || a.Findings[0].Severity != "advice" {
		t.Fatalf("default buffer: %+v", a)
	}
	// Not below what was measured: 1.18 MB for 255 macvlans.
	if a.Storm < 1180000 {
		t.Fatalf("storm estimate %d below the 1.18 MB measured", a.Storm)
	}
	a = AnalyzeFRR("frr.conf", routers, 65536, "zebra_options in /etc/frr/daemons")
	if a.Recommendation.Enough || a.Findings[0].Severity != "problem" || !strings.Contains(a.Findings[0].Paste[0], "zebra's default") {
		t.Fatalf("64 KiB: %+v", a.Findings)
	}
	if a.Measure != "nlstress sweep --target frr --vrids 255" {
		t.Fatalf("measure %q", a.Measure)
	}
}

// TestForcedBufferPastIntMax: 2^31 or more, forced, reaches the kernel as
// a negative int and buys its minimum (nlmon.TestGrantedIsTheKernels):
// diagnose must not say it holds the storm.
func TestForcedBufferPastIntMax(t *testing.T) {
	c := kaconf.Config{RcvBufs: 1 << 31, Force: true, Instances: []kaconf.Instance{{Name: "VI_1", Interface: "eth2", VRID: 1, Family: 4, VIPs: []string{"10.0.0.1"}}}}
	e := EstimateStorm(c, 212992)
	fs := Advise(c, e)
	if e.Configured != 2304 || e.Recommendation.Enough {
		t.Fatalf("configured %d enough %v: want the kernel's minimum, 2304, and not enough", e.Configured, e.Recommendation.Enough)
	}
	if !contains(findings(fs, "problem"), "negative from 2^31 on") {
		t.Fatalf("no problem names the wrap: %+v", fs)
	}
}

func TestComplaintsBecomeAdvice(t *testing.T) {
	c := kaconf.Config{Instances: []kaconf.Instance{{Name: "VI_1", Interface: "eth2", VRID: 1, Family: 4, VIPs: []string{"10.0.0.1"}}}}
	for i := range 7 {
		c.Complaints = append(c.Complaints, fmt.Sprintf("k.conf:%d: cannot track route", i+1))
	}
	advice := findings(Advise(c, EstimateStorm(c, 212992)), "advice")
	if !contains(advice, "keepalived -t: k.conf:5: cannot track route") || contains(advice, "k.conf:6:") || !contains(advice, "2 more complaints") {
		t.Fatalf("advice %q: want the first 5 complaints and a count of the rest", advice)
	}
}

// A file that yields no instance (its include matches nothing) is a
// warning with nothing sized: no estimate, no line to paste.
func TestNoInstanceIsAWarning(t *testing.T) {
	p := filepath.Join(t.TempDir(), "keepalived.conf")
	if err := os.WriteFile(p, []byte("global_defs {\n  router_id lb1\n}\ninclude /nonexistent/conf.d/*.conf\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := analyzeConf(p, "", 212992)
	if err != nil {
		t.Fatal(err)
	}
	if a.Instances != 0 || a.Estimate.Storm != 0 || len(a.Estimate.Recommendation.Paste.Lines) != 0 || a.Measure != "" {
		t.Fatalf("analysis %+v: want nothing sized and nothing to paste", a)
	}
	if w := findings(a.Findings, "warning"); len(w) != 1 || !strings.Contains(w[0], "no vrrp_instance") || len(a.Findings) != 1 {
		t.Fatalf("findings %+v: want one warning", a.Findings)
	}
}
