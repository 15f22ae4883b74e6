package nlmon

import (
	"testing"

	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// TestHotPathAllocations checks the reader's promise: reading, decoding and
// handing on one notification allocates at most once (it allocates nothing
// today). It counts allocations, not time.
func TestHotPathAllocations(t *testing.T) {
	roottest.Require(t)
	ns, err := netns.NewAnonymous()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	s, err := Open(Config{NetNS: ns.Fd(), RcvBuf: 4 * bytesize.MiB, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Queue 300 notifications by toggling lo, before measuring.
	c, err := rtnetlink.Dial(&netlink.Config{NetNS: ns.Fd()})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range 300 {
		if err := lab.SetLink(c, 1, i%2 == 0); err != nil {
			t.Fatal(err)
		}
	}
	m := NewMonitor(s, 0, PolicyNone)
	buf := make([]byte, readBufSize)
	var ev Event
	handled := 0
	h := func(*Event) { handled++ }
	allocs := testing.AllocsPerRun(200, func() {
		if err := m.step(buf, &ev, h); err != nil {
			t.Fatal(err)
		}
	})
	if handled < 200 {
		t.Fatalf("handled %d messages, want 200 or more", handled)
	}
	if allocs > 1 {
		t.Fatalf("%.1f allocations per notification on the hot path, want at most 1", allocs)
	}
	t.Logf("%.1f allocations per notification", allocs)
}
