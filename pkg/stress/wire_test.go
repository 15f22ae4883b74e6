package stress

import (
	"net/netip"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/vrrp"
)

// The wire observer: MASTER from the first advert above the peer's
// priority from a subject address, FAULT once silent for longer than
// silence, stamped at the moment the silence ran out. No sleeping: the
// clock is injected.
func TestWireObserver(t *testing.T) {
	subject, stranger := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.9")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	now := t0
	w := newWireObserver(2, []netip.Addr{subject}, 3*time.Second, time.Millisecond, func() time.Time { return now })

	w.observe(0, vrrp.Heard{At: t0, Priority: 200, From: subject})
	w.observe(1, vrrp.Heard{At: t0, Priority: 100, From: subject})  // the peer's own priority: not the subject winning
	w.observe(1, vrrp.Heard{At: t0, Priority: 200, From: stranger}) // not from the subject
	if got := w.States(); got[0] != vrrp.Master || got[1] != vrrp.Fault {
		t.Fatalf("states %v, want [MASTER FAULT]", got)
	}
	now = t0.Add(2 * time.Second)
	w.observe(0, vrrp.Heard{At: now, Priority: 200, From: subject})
	now = t0.Add(4 * time.Second) // 2 s after the last advert: still within silence
	if got := w.States(); got[0] != vrrp.Master {
		t.Fatalf("states %v after 2 s of silence, want instance 0 still MASTER", got)
	}
	now = t0.Add(5*time.Second + time.Millisecond) // silence ran out at t0+5s
	if got := w.States(); got[0] != vrrp.Fault {
		t.Fatalf("states %v after more than 3 s of silence, want FAULT", got)
	}
	ts := w.Transitions()
	if len(ts) != 2 || ts[0].To != vrrp.Master || !ts[0].At.Equal(t0) || ts[1].To != vrrp.Fault || !ts[1].At.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("transitions %+v: want MASTER at t0 and FAULT at t0+5s", ts)
	}
}
