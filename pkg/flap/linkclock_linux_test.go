package flap

import (
	"testing"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"
	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/nlmon"
)

// A link clock times link messages in bursts and counts every one: two
// changes more than BurstGap apart are two bursts, timed from the start
// given, with as many messages between them as a plain socket of the
// link group read; nlstress's own markers, which reach the link group
// too, are no burst; and Take forgets what it returned.
func TestLinkClock(t *testing.T) {
	l := oneInstanceLab(t)
	fd := l.Subject.NS.Fd()
	c, err := OpenLinkClock(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ref, err := nlmon.Open(nlmon.Config{NetNS: fd, Groups: []nlmon.Group{nlmon.GroupLink}, RcvBuf: linkClockRcvBuf, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	mk, err := nlmon.OpenMarker(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer mk.Close()

	poll := c.Arrivals()
	// settle polls as a Quiet would until the clock has counted
	// everything queued to it, with a deadline.
	settle := func(what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			arrived, err := poll()
			if err != nil {
				t.Fatal(err)
			}
			c.mu.Lock()
			done := !arrived && c.last.Rmem == 0 && c.counted == len(c.arrivals)
			c.mu.Unlock()
			if done {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: the clock still has messages to count after 10 s", what)
			}
			time.Sleep(QuietPoll)
		}
	}
	ifc := l.Interfaces[0]
	// An MTU change is one link message, sent in the system call that
	// makes it (no linkwatch).
	mtu := func(v uint32) {
		t.Helper()
		if err := l.Subject.Conn.Link.Set(&rtnetlink.LinkMessage{Family: unix.AF_UNSPEC, Index: ifc.Index, Attributes: &rtnetlink.LinkAttributes{MTU: v}}); err != nil {
			t.Fatalf("set the MTU of %s to %d: %v", ifc.Name, v, err)
		}
	}
	settle("a lab at rest")
	if _, _, err := c.Take(time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := readLinks(ref, make([]byte, 64<<10)); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	mtu(1400)
	settle("the first change")
	if _, err := mk.Send(); err != nil {
		t.Fatal(err)
	}
	settle("a marker")
	c.mu.Lock()
	first := c.arrivals[0].At
	c.mu.Unlock()
	for time.Since(first) <= BurstGap {
		time.Sleep(QuietPoll)
	}
	mtu(1500)
	settle("the second change")

	bursts, complete, err := c.Take(start)
	if err != nil {
		t.Fatal(err)
	}
	if !complete {
		t.Error("the clock's socket dropped messages")
	}
	if len(bursts) != 2 {
		t.Fatalf("bursts = %+v, want 2 (the marker between them is none)", bursts)
	}
	if bursts[0].At < 0 || bursts[1].At-bursts[0].At < BurstGap {
		t.Errorf("bursts at %v and %v from the start: want the first after it and the second %v or more later", bursts[0].At, bursts[1].At, BurstGap)
	}
	want, err := readLinks(ref, make([]byte, 64<<10))
	if err != nil {
		t.Fatal(err)
	}
	if got := bursts[0].Messages + bursts[1].Messages; got != want || bursts[0].Messages == 0 || bursts[1].Messages == 0 {
		t.Errorf("bursts of %d and %d link messages; a plain socket read %d", bursts[0].Messages, bursts[1].Messages, want)
	}
	if again, _, err := c.Take(start); err != nil || len(again) != 0 {
		t.Errorf("a second Take = %+v, %v; want nothing", again, err)
	}
}
