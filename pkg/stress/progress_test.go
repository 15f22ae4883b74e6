package stress

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/vrrp"
)

// fakeView reaches MASTER one instance per wait, up to reach of n; its
// WaitAll returns at once, as if each wait's deadline had passed.
type fakeView struct {
	n, reach, now, waits int
}

func (f *fakeView) WaitAll(ctx context.Context, s vrrp.State) error {
	f.waits++
	if f.now < f.reach {
		f.now++
	}
	if f.now == f.n {
		return nil
	}
	return errors.New("deadline")
}

func (f *fakeView) States() []vrrp.State {
	out := make([]vrrp.State, f.n)
	for i := range out {
		out[i] = vrrp.Backup
		if i < f.now {
			out[i] = vrrp.Master
		}
	}
	return out
}

func TestWaitProgress(t *testing.T) {
	for _, tt := range []struct {
		name      string
		n, reach  int
		wantErr   bool
		wantWaits int
	}{
		{"slow but steady: waits until all are there", 50, 50, false, 50},
		{"progress stops: gives up one quiet period later", 50, 30, true, 31},
		{"nothing moves: gives up at the first limit", 50, 0, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := &fakeView{n: tt.n, reach: tt.reach}
			err := waitProgress(context.Background(), v, vrrp.Master, 0, 0)
			if (err != nil) != tt.wantErr || v.waits != tt.wantWaits {
				t.Fatalf("err %v after %d waits; want error=%v after %d", err, v.waits, tt.wantErr, tt.wantWaits)
			}
		})
	}
}

// A daemon that brings no instance further but is visibly busy (netlink
// messages in its namespace) is waited for while it is, up to busyCap
// times the limit and the quiet period; one idle look ends the wait.
func TestWaitWhileBusy(t *testing.T) {
	v := &fakeView{n: 50, reach: 30}
	busyLooks := 0
	busy := func() bool { busyLooks++; return busyLooks <= 5 }
	err := waitWhileBusy(context.Background(), v, vrrp.Master, time.Second, time.Second, busy)
	if err == nil || v.waits != 31+5 || busyLooks != 6 {
		t.Fatalf("err %v after %d waits and %d looks at the daemon; want an error after 36 waits and 6 looks", err, v.waits, busyLooks)
	}
	// Busy for ever: the cap ends it.
	v = &fakeView{n: 50, reach: 30}
	err = waitWhileBusy(context.Background(), v, vrrp.Master, 0, 0, func() bool { return true })
	if err == nil || v.waits != 31 {
		t.Fatalf("err %v after %d waits: want the cap (0 here) to end a wait on a daemon busy for ever", err, v.waits)
	}
}

// A starting daemon works when it used half a CPU or more since the last
// look; one that only sends adverts does not.
func TestWorking(t *testing.T) {
	for _, c := range []struct {
		cpu, wall time.Duration
		want      bool
	}{
		{7 * time.Second, 7200 * time.Millisecond, true}, // keepalived opening 8,160 sockets
		{3600 * time.Millisecond, 7200 * time.Millisecond, true},
		{3599 * time.Millisecond, 7200 * time.Millisecond, false},
		{300 * time.Millisecond, 7200 * time.Millisecond, false}, // adverts only
		{0, 7200 * time.Millisecond, false},
		{time.Second, 0, false}, // no time passed: no judgement
	} {
		if got := working(c.cpu, c.wall); got != c.want {
			t.Errorf("working(%v, %v) = %v, want %v", c.cpu, c.wall, got, c.want)
		}
	}
}
