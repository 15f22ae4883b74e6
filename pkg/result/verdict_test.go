package result

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/target"
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
			r := Recommend(tt.truesize, DefaultMargin, tt.effective, target.KeepalivedLines)
			if r.Needed != tt.needed || r.Request != tt.request || r.Enough != tt.enough {
				t.Fatalf("Recommend = %+v, want needed %d request %d enough %v", r, tt.needed, tt.request, tt.enough)
			}
			if 2*r.Request < r.Needed {
				t.Fatalf("request %d doubled is below needed %d", r.Request, r.Needed)
			}
			if want := fmt.Sprintf("vrrp_netlink_monitor_rcv_bufs %d", r.Request); r.Paste.Lines[0] != want || r.Paste.Lines[1] != "vrrp_netlink_monitor_rcv_bufs_force" {
				t.Fatalf("keepalived lines %q, want %q and the force line", r.Paste.Lines, want)
			}
		})
	}
}

func TestJudge(t *testing.T) {
	phase := func(sent, recv, drops, enobufs uint64) Phase {
		return Phase{Storm: Storm{Messages: sent}, Received: recv, Drops: drops, ENOBUFS: enobufs, Balanced: Bool(sent == recv+drops)}
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
		{"link-downs lost: instances held a dead link", Flap{Down: phase(258, 57, 201, 0), Up: phase(258, 258, 0, 0), NotFault: 64}, "resync", StatusLoss,
			[]string{"LOSS", "64 of 255 instances never went to FAULT while their link was down"}},
		{"books off", Flap{Down: phase(258, 250, 0, 0), Up: phase(258, 258, 0, 0)}, "none", StatusPass, []string{"BOOKS DO NOT BALANCE"}},
		{"the oracle dropped: nothing can be trusted", Flap{Down: func() Phase { p := phase(258, 258, 0, 0); p.Storm.OracleDrops = 3; return p }(), Up: phase(258, 258, 0, 0)},
			"none", StatusError, []string{"ERROR: the oracle socket itself dropped 3 messages"}},
		{"the daemon died", Flap{Index: 1, Down: phase(258, 57, 201, 0), Up: phase(258, 258, 0, 0),
			Exited: []DaemonExit{{Daemon: "zebra", PID: 42, Status: "exit status 255", LastWords: "netlink-listen (NS 0) recvmsg overrun: No buffer space available"}}},
			"none", StatusFail, []string{`FAIL: zebra (pid 42) exited: exit status 255; its last words: "netlink-listen (NS 0) recvmsg overrun`, "during flap 1", "lost 201 of 516"}},
		{"restart gap explained", Flap{Down: phase(258, 50, 200, 1), Up: phase(258, 258, 0, 0)}, "restart", StatusLoss,
			[]string{"BOOKS DO NOT BALANCE", "the 8 missing arrived while the restart policy had no socket listening"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flaps := []Flap{tt.flap}
			tot := Total(flaps, nil, 255)
			m := Monitor{Effective: 131072, Policy: tt.policy}
			if tt.policy == "restart" {
				m.Restarts = 1
			}
			v := Judge(tot, flaps, m)
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

// Recovered is a count of instances, never more than there are: it is
// measured after the last flap, not summed over flaps.
func TestTotalRecoveredIsMeasured(t *testing.T) {
	ok := Phase{Storm: Storm{Messages: 10}, Received: 10, Balanced: Bool(true)}
	stuck := []Instance{{VRID: 7, Interface: "eth2", State: "FAULT"}}
	flaps := []Flap{{Down: ok, Up: ok}, {Down: ok, Up: ok, Stuck: stuck}}
	rec := make([]time.Duration, 64+63) // 64 back after flap 1, 63 after flap 2
	for i := range rec {
		rec[i] = time.Second
	}
	tot := Total(flaps, rec, 64)
	if tot.Recovered != 63 || tot.Stuck != 1 || tot.Recovery.Count != 127 {
		t.Fatalf("totals %+v: want 63 recovered of 64, 1 stuck, 127 recoveries", tot)
	}
	flaps[1].Stuck = nil
	tot = Total(flaps, rec, 64)
	if tot.Recovered != 64 {
		t.Fatalf("recovered %d of 64 with nothing stuck", tot.Recovered)
	}
}

// The books of an external daemon cannot be measured: its received is
// inferred. Balanced is then nil (JSON null), never true.
func TestTotalBooksOfExternalDaemonNotMeasurable(t *testing.T) {
	inferred := Phase{Storm: Storm{Messages: 10}, Received: 10, Inferred: true}
	tot := Total([]Flap{{Down: inferred, Up: inferred}}, nil, 4)
	if tot.Balanced != nil || tot.Unbalanced() {
		t.Fatalf("balanced %v for inferred phases, want nil", *tot.Balanced)
	}
	b, err := json.Marshal(tot)
	if err != nil || !strings.Contains(string(b), `"balanced":null`) {
		t.Fatalf("JSON %s (%v): want balanced null", b, err)
	}
	if v := Judge(tot, nil, Monitor{External: true}); strings.Contains(v.Line, "BOOKS") {
		t.Fatalf("verdict %q talks about books it cannot see", v.Line)
	}
}

// With several flaps the verdict gives loss and stuck instances as rates:
// in how many of the flaps each happened.
func TestJudgeRates(t *testing.T) {
	ok := Phase{Storm: Storm{Messages: 10}, Received: 10, Balanced: Bool(true)}
	lossy := Phase{Storm: Storm{Messages: 10}, Received: 4, Drops: 6, ENOBUFS: 1, Balanced: Bool(true)}
	stuck := []Instance{{VRID: 9, Interface: "eth2", State: "FAULT"}}
	flaps := []Flap{{Down: lossy, Up: ok}, {Down: ok, Up: ok}, {Down: lossy, Up: lossy, Stuck: stuck}}
	tot := Total(flaps, nil, 64)
	if tot.FlapsWithLoss != 2 || tot.FlapsWithStuck != 1 {
		t.Fatalf("totals %+v: want loss in 2 flaps, stuck after 1", tot)
	}
	v := Judge(tot, flaps, Monitor{Effective: 4096, Policy: "none"})
	for _, want := range []string{"FAIL: 1 of 64 instances stuck in FAULT", "instances stuck after 1 of 3 flaps (33.3 %, 95 % CI 0.8–90.6 %)", "lost messages in 2 of 3 flaps"} {
		if !strings.Contains(v.Line, want) {
			t.Errorf("verdict %q lacks %q", v.Line, want)
		}
	}
}

// Thirty clean flaps bound both rates: "0 of 30" is "at most 9.5 %" at
// 95 % confidence, and the verdict says so rather than a bare PASS.
func TestJudgeCleanFlapsBoundTheRates(t *testing.T) {
	ok := Phase{Storm: Storm{Messages: 10}, Received: 10, Balanced: Bool(true)}
	flaps := make([]Flap, 30)
	for i := range flaps {
		flaps[i] = Flap{Index: i + 1, Down: ok, Up: ok}
	}
	tot := Total(flaps, nil, 64)
	v := Judge(tot, flaps, Monitor{Effective: 1 << 20, Policy: "none"})
	for _, want := range []string{"PASS", "after each of 30 flaps (stuck rate at most 9.5 % at 95 % confidence)", "no netlink loss in 30 flaps (loss rate at most 9.5 %"} {
		if !strings.Contains(v.Line, want) {
			t.Errorf("verdict %q lacks %q", v.Line, want)
		}
	}
}

func TestInterrupt(t *testing.T) {
	for _, tt := range []struct {
		name      string
		flaps     int
		verdict   *Verdict
		discarded bool
		want      string
	}{
		{"mid-flap, with a verdict", 29, &Verdict{Status: StatusFail, Line: "FAIL: 3 of 29 flaps left instances in FAULT"}, true,
			"INCOMPLETE: stopped by SIGTERM after 29 of 30 flaps (flap 30, in progress, discarded); the flaps done: FAIL: 3 of 29 flaps left instances in FAULT"},
		{"between flaps", 2, &Verdict{Status: StatusPass, Line: "PASS"}, false, "INCOMPLETE: stopped by SIGTERM after 2 of 30 flaps; the flaps done: PASS"},
		{"no verdict", 1, nil, false, "INCOMPLETE: stopped by SIGTERM after 1 of 30 flaps"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := Result{Flaps: make([]Flap, tt.flaps), Verdict: tt.verdict}
			r.Interrupt("SIGTERM", 30, tt.discarded)
			in := r.Interrupted
			if in == nil || in.AfterFlaps != tt.flaps || in.Of != 30 || in.By != "SIGTERM" || in.Discarded != tt.discarded {
				t.Fatalf("interrupted %+v", in)
			}
			if r.Verdict.Status != StatusIncomplete || r.Verdict.Line != tt.want {
				t.Fatalf("verdict %+v, want INCOMPLETE %q", r.Verdict, tt.want)
			}
		})
	}
}
