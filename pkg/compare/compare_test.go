package compare

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/hostload"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

func anyChange(base, sc scenario.Scenario) error { return nil }

func TestParse(t *testing.T) {
	base := scenario.Default()
	base.Target = scenario.TargetKeepalived
	vs, err := Parse(base, []string{
		"base=",
		"big=--rcvbuf 1000000 --force",
		"rt=global: vrrp_rt_priority 50; vrrp_rlimit_rttime 1000000",
		"poll=instance: linkbeat_use_polling",
		"scripts=--notify-scripts --script-cost=5ms",
		"both=--rcvbuf 1000000 --keepalived-global 'vrrp_rt_priority 50; vrrp_rlimit_rttime 1000000'",
	}, anyChange)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 6 || vs[0].Name != "base" || len(vs[0].Changes) != 0 {
		t.Fatalf("variants %+v", vs)
	}
	if sc := vs[1].Scenario; sc.RcvBuf != 1000000 || !sc.Force || strings.Join(vs[1].Changes, ",") != "rcvbuf" {
		t.Fatalf("big: %+v, changes %v", sc, vs[1].Changes)
	}
	if got := vs[2].Scenario.KeepalivedGlobal; got != "vrrp_rt_priority 50; vrrp_rlimit_rttime 1000000" {
		t.Fatalf("rt's global lines %q", got)
	}
	if got := vs[3].Scenario.KeepalivedInstance; got != "linkbeat_use_polling" {
		t.Fatalf("poll's instance lines %q", got)
	}
	if sc := vs[4].Scenario; !sc.NotifyScripts || sc.ScriptCost.String() != "5ms" {
		t.Fatalf("scripts: %+v", sc)
	}
	if sc := vs[5].Scenario; sc.RcvBuf != 1000000 || sc.KeepalivedGlobal != "vrrp_rt_priority 50; vrrp_rlimit_rttime 1000000" {
		t.Fatalf("both: %+v", sc)
	}
}

func TestParseRefuses(t *testing.T) {
	base := scenario.Default()
	tests := []struct {
		name  string
		specs []string
		want  string
	}{
		{"one variant only", []string{"base="}, "at least two variants"},
		{"duplicate names", []string{"a=", "a=--rcvbuf 1M"}, `variant name "a" used twice`},
		{"no name", []string{"a=", "=--rcvbuf 1M"}, "want NAME=OPTIONS"},
		{"unknown option", []string{"a=", "b=--frobnicate 3"}, "unknown option --frobnicate"},
		{"a value that does not parse", []string{"a=", "b=--rcvbuf lots"}, "--rcvbuf"},
		{"a missing value", []string{"a=", "b=--rcvbuf"}, "--rcvbuf needs a value"},
		{"not an option", []string{"a=", "b=rcvbuf 1M"}, "want --OPTION VALUE"},
		{"an invalid scenario", []string{"a=", "b=--host-load 150"}, "--host-load 150"},
		{"keepalived lines on the engine", []string{"a=", "b=global: vrrp_rt_priority 50"}, "need --target keepalived"},
		{"empty lines", []string{"a=", "b=global: ; "}, "names no line"},
		{"an open quote", []string{"a=", "b=--keepalived-global 'vrrp_no_swap"}, "a quote is not closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(base, tt.specs, anyChange)
			if !errors.Is(err, scenario.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want ErrInvalid with %q", err, tt.want)
			}
		})
	}
	lab := func(base, sc scenario.Scenario) error {
		if sc.VRIDs != base.VRIDs {
			return errors.New("vrids lays out the lab")
		}
		return nil
	}
	if _, err := Parse(base, []string{"a=", "b=--vrids 10"}, lab); err == nil || !strings.Contains(err.Error(), "variant b: vrids lays out the lab") {
		t.Fatalf("a variant that needs another lab: %v", err)
	}
}

// fakeLab flaps without a lab: a flap loses messages (and strands an
// instance) when the buffer is below 64 KiB, never otherwise.
type fakeLab struct {
	sc       scenario.Scenario
	reconfig int
	closed   bool
	refuse   bytesize.Size // a buffer whose daemon never comes up
	dies     bytesize.Size // a buffer whose daemon dies in its second flap
	flapped  map[bytesize.Size]int
}

func (f *fakeLab) Reconfigure(_ context.Context, sc scenario.Scenario) (bool, error) {
	f.reconfig++
	if f.refuse != 0 && sc.RcvBuf == f.refuse {
		return true, errors.New("keepalived exited: has rlimit_rttime been exceeded?")
	}
	f.sc = sc
	return true, nil
}

func (f *fakeLab) Flap(context.Context) (result.Flap, error) {
	var fl result.Flap
	if f.flapped == nil {
		f.flapped = map[bytesize.Size]int{}
	}
	if f.flapped[f.sc.RcvBuf]++; f.dies != 0 && f.sc.RcvBuf == f.dies && f.flapped[f.sc.RcvBuf] == 2 {
		return fl, errors.New("the daemon's monitor socket is gone: did it exit?")
	}
	if f.sc.RcvBuf >= bytesize.MiB {
		// The daemon's CPU is read in the big labs only: 10, 20, 30 ms...
		fl.DaemonCPU = time.Duration(f.flapped[f.sc.RcvBuf]) * 10 * time.Millisecond
	}
	fl.Down.Storm.Truesize, fl.Up.Storm.Truesize = 1000, 2000+uint64(f.flapped[f.sc.RcvBuf])
	fl.Down.PeakQueue, fl.Up.PeakQueue = 700, 100
	if f.sc.HostLoad > 0 {
		// The burners get a little more than asked: 1, 2, 3 points...
		fl.HostLoad = &hostload.Share{Asked: f.sc.HostLoad, Achieved: float64(f.sc.HostLoad + f.flapped[f.sc.RcvBuf])}
	}
	if f.sc.RcvBuf < 64*bytesize.KiB {
		fl.Up.Drops = 100
		fl.Stuck = []result.Instance{{VRID: 7}}
	}
	return fl, nil
}

// Daemon names the fake's daemon by its buffer, as a version line would
// name a binary.
func (f *fakeLab) Daemon() string { return fmt.Sprintf("fake daemon at %d", f.sc.RcvBuf) }

func (f *fakeLab) Close(context.Context, error) (result.Result, error) {
	f.closed = true
	return result.Result{}, nil
}

func runFake(t *testing.T, specs []string, flaps int, refuse bytesize.Size) (Report, *fakeLab) {
	t.Helper()
	return runFakeLab(t, specs, flaps, &fakeLab{refuse: refuse})
}

func runFakeLab(t *testing.T, specs []string, flaps int, f *fakeLab) (Report, *fakeLab) {
	t.Helper()
	vs, err := Parse(scenario.Default(), specs, anyChange)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), vs, flaps, func(_ context.Context, sc scenario.Scenario) (Lab, error) {
		f.sc = sc
		return f, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !f.closed {
		t.Fatal("the lab was not closed")
	}
	return rep, f
}

// The flaps run A B C A B C: every variant once per round.
func TestInterleaved(t *testing.T) {
	rep, f := runFake(t, []string{"a=--rcvbuf 1M", "b=--rcvbuf 2M", "c=--rcvbuf 4M"}, 2, 0)
	if got := strings.Join(rep.Order, " "); got != "a b c a b c" {
		t.Fatalf("order %q, want a b c a b c", got)
	}
	if f.reconfig != 5 {
		t.Fatalf("%d reconfigurations, want 5 (every change of variant but the first)", f.reconfig)
	}
}

// A variant that cannot lose against one that always loses: p < 0.001 in
// 10 flaps each; identical variants: no measurable difference.
func TestVerdicts(t *testing.T) {
	rep, _ := runFake(t, []string{"tiny=--rcvbuf 8K", "huge=--rcvbuf 4M", "same=--rcvbuf 8K"}, 10, 0)
	tiny, huge, same := rep.Variants[0], rep.Variants[1], rep.Variants[2]
	if tiny.Stuck.K != 10 || huge.Stuck.K != 0 || huge.StuckP == nil || *huge.StuckP >= 0.001 || *huge.LossP >= 0.001 {
		t.Fatalf("huge against tiny: %+v", huge)
	}
	if !strings.HasPrefix(huge.Verdict, "fewer flaps stranded instances (p < 0.001)") {
		t.Fatalf("verdict %q", huge.Verdict)
	}
	if *same.StuckP != 1 || !strings.Contains(same.Verdict, "no measurable difference in flaps that stranded instances (p = 1; 10 flaps cannot see less than") {
		t.Fatalf("identical variants: %q", same.Verdict)
	}
}

// A variant whose daemon never comes up is reported with its words; the
// others are measured.
func TestVariantThatNeverStarts(t *testing.T) {
	rep, _ := runFake(t, []string{"base=--rcvbuf 1M", "rt=--rcvbuf 3M", "big=--rcvbuf 4M"}, 3, 3*bytesize.MiB)
	rt := rep.Variants[1]
	if rt.Failed == "" || rt.Stuck.N != 0 || !strings.Contains(rt.Verdict, "never came up: keepalived exited: has rlimit_rttime been exceeded?") {
		t.Fatalf("rt: %+v", rt)
	}
	if rep.Variants[2].Stuck.N != 3 || strings.Join(rep.Order, " ") != "base big base big base big" {
		t.Fatalf("the others: order %v, big %+v", rep.Order, rep.Variants[2])
	}
}

// A variant whose daemon dies in a flap keeps the flaps it finished, says
// so, and the others go on.
func TestVariantThatDies(t *testing.T) {
	rep, _ := runFakeLab(t, []string{"base=--rcvbuf 1M", "rt=--rcvbuf 3M", "big=--rcvbuf 4M"}, 3, &fakeLab{dies: 3 * bytesize.MiB})
	rt := rep.Variants[1]
	if rt.Stuck.N != 1 || !strings.Contains(rt.Verdict, "died in its flap 2: the daemon's monitor socket is gone") {
		t.Fatalf("rt: %+v", rt)
	}
	if got := strings.Join(rep.Order, " "); got != "base rt big base big base big" {
		t.Fatalf("order %q", got)
	}
}

// The daemon's CPU per flap is the median of the flaps that read it; a
// variant whose flaps never did has none. The largest storm and queue are
// over both phases of every flap; each variant records its daemon and
// keeps its own flaps, in the order they ran.
func TestDaemonCPUPerFlap(t *testing.T) {
	rep, _ := runFake(t, []string{"tiny=--rcvbuf 8K", "big=--rcvbuf 1M"}, 3, 0)
	if got := rep.Variants[0].DaemonCPU; got != 0 {
		t.Errorf("tiny: %v, want 0 (not read)", got)
	}
	if got := rep.Variants[1].DaemonCPU; got != 20*time.Millisecond {
		t.Errorf("big: %v, want the median of 10, 20 and 30 ms", got)
	}
	if a, b := rep.Variants[0].Daemon, rep.Variants[1].Daemon; a != "fake daemon at 8192" || b != "fake daemon at 1048576" {
		t.Errorf("daemons %q and %q: want each variant's own", a, b)
	}
	if v := rep.Variants[1]; v.StormMax != 2003 || v.PeakQueueMax != 700 {
		t.Errorf("big: largest storm %d, highest queue %d: want 2003 and 700, over both phases", v.StormMax, v.PeakQueueMax)
	}
	var cpu []time.Duration
	for _, f := range rep.Variants[1].Flaps {
		cpu = append(cpu, f.DaemonCPU)
	}
	if want := []time.Duration{10 * time.Millisecond, 20 * time.Millisecond, 30 * time.Millisecond}; !slices.Equal(cpu, want) {
		t.Errorf("big's flaps read %v of daemon CPU: want %v, its own flaps in order", cpu, want)
	}
}

// A variant run beside a host load records it as asked, with the mean of
// its flaps' achieved shares; a variant without one records none.
func TestHostLoadPerVariant(t *testing.T) {
	rep, _ := runFake(t, []string{"idle=--rcvbuf 1M", "busy=--rcvbuf 2M --host-load 50"}, 3, 0)
	if l := rep.Variants[0].HostLoad; l != nil {
		t.Errorf("idle: host load %+v, want none", *l)
	}
	l := rep.Variants[1].HostLoad
	if l == nil || l.Asked != 50 || l.Achieved != 52 {
		t.Fatalf("busy: host load %+v, want 50 asked and 52 achieved (the mean of 51, 52 and 53)", l)
	}
}
