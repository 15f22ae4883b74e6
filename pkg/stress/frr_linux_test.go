package stress

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/frr"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// --target frr measures zebra's listening socket: its buffer is
// --nl-bufsize (doubled, forced), a large one drops nothing and zebra then
// believes what the kernel says, read from its vty after each phase. A
// tiny one loses messages, and that shows one of three ways: drops, with
// zebra alive and silent (its MSG_PEEK swallows the ENOBUFS); zebra's
// exit(-1) with "recvmsg overrun" logged, when the overrun falls between
// its peek and its read (zebra/kernel_netlink.c, netlink_recv_msg); or,
// from start-up on, instances vrrpd never brings up.
func TestFRRTarget(t *testing.T) {
	roottest.RequireFRR(t)
	for _, tt := range []struct {
		name   string
		rcvbuf bytesize.Size
		loss   bool
	}{
		{"tiny buffer drops", bytesize.KiB, true},
		{"large buffer drops nothing", 8 * bytesize.MiB, false},
		{"zebra's own default", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sc := small(tt.rcvbuf, scenario.PolicyNone)
			sc.Target, sc.VMAC = scenario.TargetFRR, false // FRR's lab has its macvlans whatever --vmac says
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			res, err := Run(ctx, sc)
			if names, _ := netns.List(lab.Prefix + res.Lab.RunID + "-"); len(names) != 0 {
				t.Fatalf("run left namespaces %v", names)
			}
			if !strings.HasPrefix(res.Daemon, "FRR zebra version ") {
				t.Fatalf("result daemon %q: want zebra's --version line", res.Daemon)
			}
			// At a tiny buffer zebra loses messages from the start, and
			// vrrpd may never bring some instances up: a finding of its
			// own, before any flap.
			if sl := (startLoss{}); tt.loss && errors.As(err, &sl) {
				if !errors.Is(err, result.ErrFinding) || sl.drops == 0 || sl.missing == 0 {
					t.Fatalf("start-up loss %+v (%v): want a finding with drops and instances down", sl, err)
				}
				t.Logf("%v", err)
				return
			}
			// Or zebra died of it before it was up: a finding too.
			if tt.loss && errors.Is(err, frr.ErrOverrun) {
				if !errors.Is(err, result.ErrFinding) || !strings.Contains(err.Error(), "recvmsg overrun") {
					t.Fatalf("zebra's death at start: %v; want a finding quoting the overrun", err)
				}
				t.Logf("%v", err)
				return
			}
			checkRun(t, sc, res, err)
			m := res.Monitor
			if !m.External || m.PID <= 0 || m.Inode == 0 {
				t.Fatalf("monitor %+v: want zebra's socket found by pid", m)
			}
			if !slices.Contains(m.Groups, nlmon.GroupNexthop.String()) {
				t.Fatalf("monitor groups %v: want zebra's, nexthop included", m.Groups)
			}
			want := 2 * int64(tt.rcvbuf)
			if tt.rcvbuf == 0 {
				want = 2 * int64(scenario.FRRDefaultNLBufSize)
			}
			// The kernel grants at least its minimum (SOCK_MIN_RCVBUF).
			if m.Effective < want || (m.Effective != want && tt.rcvbuf > 4*bytesize.KiB) || !m.Force || m.Default != (tt.rcvbuf == 0) {
				t.Fatalf("zebra's socket: %+v, want effective %d, forced, default=%v", m, want, tt.rcvbuf == 0)
			}
			if res.Lab.VMACs != 64 {
				t.Fatalf("%d VMACs, want 64 made for vrrpd", res.Lab.VMACs)
			}
			f := res.Flaps[0]
			if len(f.Exited) > 0 {
				// zebra died of the overrun: it says so, and so does the
				// verdict.
				x := f.Exited[0]
				if !tt.loss || x.Daemon != "zebra" || !strings.Contains(x.LastWords, "recvmsg overrun") || len(f.Overruns) == 0 ||
					res.Verdict.Status != result.StatusFail || !strings.Contains(res.Verdict.Line, "zebra (pid") {
					t.Fatalf("exits %+v, overruns %q, verdict %q: want zebra dead of an overrun it logged, at a tiny buffer only", f.Exited, f.Overruns, res.Verdict.Line)
				}
				t.Logf("%s", res.Verdict.Line)
				return
			}
			if tt.loss != (res.Totals.Drops > 0) {
				t.Fatalf("drops %d, want loss=%v (%s)", res.Totals.Drops, tt.loss, res.Verdict.Line)
			}
			if len(f.Overruns) != 0 {
				t.Fatalf("zebra logged overruns %q and lived", f.Overruns)
			}
			if !tt.loss {
				if err != nil || res.Verdict.Status != result.StatusPass {
					t.Fatalf("verdict %+v, err %v; want PASS", res.Verdict, err)
				}
				// Nothing lost: zebra believes what the kernel says.
				if len(f.Down.Missed)+len(f.Up.Missed) != 0 {
					t.Fatalf("zebra has links wrong with no drops: %+v %+v", f.Down.Missed, f.Up.Missed)
				}
			}
			if f.Recovery.Count+len(f.Stuck) != 64 || f.NotFault != 0 {
				t.Fatalf("flap %+v: want every instance silent on down and accounted for after up", f)
			}
			t.Logf("%s", res.Verdict.Line)
		})
	}
}

// openFRR opens a session of small's scenario on FRR with zebra's buffer
// rcvbuf (0: its default); the context ends with the test.
func openFRR(t *testing.T, rcvbuf bytesize.Size) (context.Context, *Session, result.Result) {
	t.Helper()
	roottest.RequireFRR(t)
	sc := small(rcvbuf, scenario.PolicyNone)
	sc.Target = scenario.TargetFRR
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	s, res, err := Open(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, s, res
}

// A zebra that dies mid-run is the finding: the flap says which daemon
// and how, the verdict is FAIL, the run's error a finding (exit 1), and
// nothing is left behind.
func TestFRRZebraDeath(t *testing.T) {
	ctx, s, res := openFRR(t, 4*bytesize.MiB)
	zebra := s.r.daemon.(*frrTarget).p.Zebra
	if err := zebra.Signal(syscall.SIGKILL); err != nil {
		s.Close(ctx, err)
		t.Fatal(err)
	}
	<-zebra.Exited()
	f, err := s.Flap(ctx)
	if err != nil {
		s.Close(ctx, err)
		t.Fatalf("a flap after zebra died: %v (want the death reported, not an error)", err)
	}
	if len(f.Exited) != 1 || f.Exited[0].Daemon != "zebra" || f.Exited[0].PID != zebra.PID() || !strings.Contains(f.Exited[0].Status, "killed") {
		s.Close(ctx, nil)
		t.Fatalf("flap reports exits %+v, want zebra killed", f.Exited)
	}
	if !s.Dead() {
		s.Close(ctx, nil)
		t.Fatal("the session does not know its daemon died")
	}
	end, err := s.Close(ctx, nil)
	if !errors.Is(err, result.ErrFinding) || end.Verdict == nil || end.Verdict.Status != result.StatusFail ||
		!strings.Contains(end.Verdict.Line, "zebra (pid") || !strings.Contains(end.Verdict.Line, "during flap 1") {
		t.Fatalf("verdict %+v, err %v; want FAIL naming zebra's death, a finding", end.Verdict, err)
	}
	if names, _ := netns.List(lab.Prefix + res.Lab.RunID + "-"); len(names) != 0 {
		t.Fatalf("run left namespaces %v", names)
	}
	for _, d := range []*daemon.Process{zebra, s.r.daemon.(*frrTarget).p.VRRPD} {
		// FRR's crash-log directory, which a killed daemon keeps, is in
		// the run's directory, never on the host.
		left := fmt.Sprintf("/var/tmp/frr/%s.%d", filepath.Base(d.Path()), d.PID())
		if _, err := os.Lstat(left); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s left on the host (%v)", left, err)
		}
	}
}

// A sweep changes zebra's buffer by restarting FRR in the same lab: the
// new zebra has the new --nl-bufsize, its instances come back, and the
// session flaps on.
func TestFRRSetBuffer(t *testing.T) {
	ctx, s, res := openFRR(t, 0)
	before := s.r.daemon.(*frrTarget).p.Zebra.PID()
	eff, err := s.SetBuffer(ctx, 2*bytesize.MiB)
	if err != nil {
		s.Close(ctx, err)
		t.Fatal(err)
	}
	if eff != 4*int64(bytesize.MiB) || s.r.daemon.(*frrTarget).p.Zebra.PID() == before {
		s.Close(ctx, nil)
		t.Fatalf("after SetBuffer: effective %d, zebra pid %d (was %d); want 4 MiB from a new zebra", eff, s.r.daemon.(*frrTarget).p.Zebra.PID(), before)
	}
	if _, err := s.Flap(ctx); err != nil {
		s.Close(ctx, err)
		t.Fatal(err)
	}
	end, err := s.Close(ctx, nil)
	if err != nil || len(end.Flaps) != 1 || end.Verdict.Status != result.StatusPass {
		t.Fatalf("verdict %+v, err %v; want one clean flap", end.Verdict, err)
	}
	if names, _ := netns.List(lab.Prefix + res.Lab.RunID + "-"); len(names) != 0 {
		t.Fatalf("session left namespaces %v", names)
	}
}
