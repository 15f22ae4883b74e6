package stress

import (
	"os/exec"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/procstat"
	"github.com/nlstress/nlstress/pkg/result"
)

// ownedBy is a monitor whose owner is pid; only describe is asked.
type ownedBy struct {
	monitorView
	pid int
}

func (m ownedBy) describe(d *result.Monitor) { d.PID = m.pid }

// A flap's daemon CPU is what the monitor's owner burnt in between, read
// from the kernel: a busy shell is seen burning at least what it burnt
// before the reading, and a monitor of nlstress's own (no process of its
// own) or a gone owner reads 0.
func TestDaemonCPU(t *testing.T) {
	busy := exec.Command("/bin/sh", "-c", "while :; do :; done")
	if err := busy.Start(); err != nil {
		t.Fatal(err)
	}
	pid := busy.Process.Pid
	defer busy.Wait()
	defer busy.Process.Kill()

	r := &runner{monitor: ownedBy{pid: pid}}
	used := r.daemonCPU()
	c0, err := procstat.CPU(pid)
	if err != nil {
		t.Fatal(err)
	}
	const want = 50 * time.Millisecond
	deadline := time.Now().Add(30 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for c, _ := procstat.CPU(pid); c-c0 < want; c, _ = procstat.CPU(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the busy shell burnt %v in 30 s", c-c0)
		}
		<-tick.C
	}
	if got := used(); got < want {
		t.Fatalf("daemon CPU %v: want at least %v", got, want)
	}

	if got := (&runner{monitor: ownedBy{}}).daemonCPU()(); got != 0 {
		t.Fatalf("no owner: %v, want 0", got)
	}
	busy.Process.Kill()
	busy.Wait()
	if got := used(); got != 0 {
		t.Fatalf("a gone owner: %v, want 0", got)
	}
}
