package standin

import (
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The stand-in counts every run by kind, exits as told for a check and 0
// otherwise, and keeps unknown kinds out of the directory.
func TestStandinCountsItself(t *testing.T) {
	dir := t.TempDir()
	s, err := Write(dir, Options{CheckExit: 3})
	if err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) int {
		cmd := exec.Command(s.Path(), args...)
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	}
	for range 3 {
		if code := run("notify_master"); code != 0 {
			t.Fatalf("notify_master exited %d", code)
		}
	}
	if code := run("notify", "INSTANCE", "VI_1", "MASTER", "200"); code != 0 {
		t.Fatalf("notify exited %d", code)
	}
	if code := run(string(Check)); code != 3 {
		t.Fatalf("check exited %d, want 3", code)
	}
	if code := run("../../etc/passwd"); code != 0 {
		t.Fatalf("a strange kind exited %d", code)
	}
	got, err := s.Counts()
	if err != nil {
		t.Fatal(err)
	}
	want := map[Kind]uint64{"notify_master": 3, "notify": 1, Check: 1, "unknown": 1}
	if len(got) != len(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("counts %v, want %v", got, want)
		}
	}
}

// A cost is CPU burnt, not a sleep: the stand-in's children use about
// that much CPU time.
func TestStandinCostIsCPU(t *testing.T) {
	s, err := Write(t.TempDir(), Options{Cost: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(s.Path(), "notify")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	// The busy loop is a grandchild, reaped by the stand-in's shell: its
	// CPU is in the shell's children's, which os/exec reports as the
	// process's own rusage (RUSAGE_CHILDREN of the shell is folded in on
	// wait). Half the cost is the floor: a busy loop on a shared CPU.
	if cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(); cpu < 100*time.Millisecond {
		t.Fatalf("a 200ms stand-in used %v of CPU", cpu)
	}
}

func TestBadOptions(t *testing.T) {
	for _, o := range []Options{{Cost: -time.Second}, {Cost: MaxCost + 1}, {CheckExit: -1}, {CheckExit: 256}} {
		if _, err := Write(t.TempDir(), o); err == nil {
			t.Fatalf("Write(%+v) accepted", o)
		}
	}
	if _, err := Write("/tmp/a b", Options{}); err == nil || !strings.Contains(err.Error(), "split") {
		t.Fatalf("a directory with a space: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	got := Describe(map[Kind]int{"notify": 255, Check: 2}, 0)
	if want := "255 notify scripts and 2 vrrp_script checks run as stand-ins costing 0s"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := Describe(map[Kind]int{"notify_master": 1}, 5*time.Millisecond); got != "1 notify_master script run as stand-ins costing 5ms" {
		t.Fatalf("got %q", got)
	}
}
