package procstat

import (
	"os"
	"testing"
	"time"
)

// The three readings agree on this process: /proc's CPU, to the tick, is
// at most getrusage's; the resident set is there; a missing process is an
// error.
func TestReadings(t *testing.T) {
	viaProc, err := CPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	self, err := SelfCPU()
	if err != nil {
		t.Fatal(err)
	}
	if viaProc > self+time.Second/userHZ { // one clock tick
		t.Fatalf("/proc says %v, getrusage %v", viaProc, self)
	}
	if rss, err := RSS(0); err != nil || rss < 1<<20 {
		t.Fatalf("RSS %d, %v", rss, err)
	}
	if rss, err := RSS(os.Getpid()); err != nil || rss < 1<<20 {
		t.Fatalf("RSS by pid %d, %v", rss, err)
	}
	if _, err := CPU(1 << 30); err == nil {
		t.Fatal("CPU of a process that does not exist: no error")
	}
}
