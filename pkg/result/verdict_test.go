package result

import (
	"strings"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := Summarize(ds)
	want := Durations{Count: 100, P50: 50 * time.Millisecond, P95: 95 * time.Millisecond, Max: 100 * time.Millisecond}
	if got != want {
		t.Fatalf("Summarize(1..100 ms) = %+v, want %+v", got, want)
	}
	if (Summarize(nil) != Durations{}) {
		t.Fatal("Summarize(nil) is not zero")
	}
	if one := Summarize([]time.Duration{7}); one.P50 != 7 || one.P95 != 7 || one.Max != 7 {
		t.Fatalf("Summarize of one = %+v", one)
	}
}

func TestRecommend(t *testing.T) {
	tests := []struct {
		name            string
		truesize        uint64
		effective       int64
		needed, request int64
		enough          bool
	}{
		// 595 KB storm (background.md's 255-VMAC link up) + 25 %.
		{"255 VMAC storm vs keepalived default", 609280, 131072, 761600, 380928, false},
		{"the same vs the incident's fix", 609280, 2000000, 761600, 380928, true},
		{"tiny storm gets one page", 100, 131072, 125, 4096, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Recommend(tt.truesize, DefaultMargin, tt.effective)
			if r.Needed != tt.needed || r.Request != tt.request || r.Enough != tt.enough {
				t.Fatalf("Recommend = %+v, want needed %d request %d enough %v", r, tt.needed, tt.request, tt.enough)
			}
			if 2*r.Request < r.Needed {
				t.Fatalf("request %d doubled is below needed %d", r.Request, r.Needed)
			}
			if !strings.Contains(r.Keepalived[0], "vrrp_netlink_monitor_rcv_bufs ") || r.Keepalived[1] != "vrrp_netlink_monitor_rcv_bufs_force" {
				t.Fatalf("keepalived lines %q", r.Keepalived)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	phase := func(sent, recv, drops, enobufs uint64) Phase {
		return Phase{Storm: Storm{Messages: sent}, Received: recv, Drops: drops, ENOBUFS: enobufs, Balanced: sent == recv+drops}
	}
	stuck := []Instance{{VRID: 57, Interface: "eth2", State: "FAULT"}, {VRID: 58, Interface: "eth2", State: "FAULT"}}
	tests := []struct {
		name   string
		flap   Flap
		policy string
		status string
		want   []string
	}{
		{"clean", Flap{Down: phase(258, 258, 0, 0), Up: phase(258, 258, 0, 0)}, "none", StatusPass, []string{"PASS: 255/255", "no netlink loss"}},
		{"stuck with loss", Flap{Down: phase(258, 57, 201, 1), Up: phase(258, 58, 200, 1), Stuck: stuck}, "none", StatusFail,
			[]string{"FAIL: 2 of 255 instances stuck in FAULT", "lost 401 of 516 messages (2 ENOBUFS episodes) with rcvbuf 131072"}},
		{"loss hidden by NO_ENOBUFS", Flap{Down: phase(258, 57, 201, 0), Up: phase(258, 258, 0, 0)}, "none", StatusLoss,
			[]string{"LOSS", "lost 201 of 516 messages (0 ENOBUFS episodes)", "with overrun policy none a lost link-up"}},
		{"resync saved it", Flap{Down: phase(258, 57, 201, 1), Up: phase(258, 258, 0, 0)}, "resync", StatusLoss,
			[]string{"LOSS", "the resync overrun policy recovered"}},
		{"books off", Flap{Down: phase(258, 250, 0, 0), Up: phase(258, 258, 0, 0)}, "none", StatusPass, []string{"BOOKS DO NOT BALANCE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flaps := []Flap{tt.flap}
			tot := Total(flaps, nil, 255)
			v := Judge(tot, flaps, Monitor{Effective: 131072, Policy: tt.policy})
			if v.Status != tt.status {
				t.Errorf("status %s, want %s (%s)", v.Status, tt.status, v.Line)
			}
			for _, w := range tt.want {
				if !strings.Contains(v.Line, w) {
					t.Errorf("verdict %q lacks %q", v.Line, w)
				}
			}
			if strings.Contains(v.Line, "\n") {
				t.Errorf("verdict is not one line: %q", v.Line)
			}
		})
	}
}
