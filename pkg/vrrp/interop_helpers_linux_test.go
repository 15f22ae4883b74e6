package vrrp

import (
	"context"
	"net/netip"
	"testing"

	"github.com/nlstress/nlstress/pkg/lab"
)

// agreeWith is the engine's half of an interop test against another
// daemon (who) on the subject side of ifc: it waits until every one of the
// engine's instances is Backup, having heard the daemon at prio, when the
// daemon wins, or Master when the engine does; checks that what it heard
// came from the daemon's address (IPv4: the subject's interface address;
// IPv6: a link-local address of the daemon's choosing, RFC 5798
// §5.1.2.1); and that it discarded none of the daemon's adverts.
func agreeWith(ctx context.Context, t *testing.T, r *Router, who string, theyWin bool, prio uint8, ifc lab.Interface, family int, ours netip.Addr) {
	t.Helper()
	want := Master
	if theyWin {
		want = Backup
	}
	err := r.Wait(ctx, func(states []State, heard []Heard) bool {
		for i := range states {
			if states[i] != want || (theyWin && heard[i].Priority != prio) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatal(err)
	}
	if theyWin {
		for i, h := range r.Heard() {
			fromThem := h.From == ifc.Subject.Addr() || (family == 6 && h.From.IsLinkLocalUnicast() && h.From != ours)
			if h.Priority != prio || !fromThem {
				t.Fatalf("instance %d heard %+v, want %s's priority %d from its address", i, h, who, prio)
			}
		}
	}
	if d := r.Counters().Discarded; len(d) > 0 {
		t.Fatalf("our engine discarded %s's adverts: %v", who, d)
	}
}
