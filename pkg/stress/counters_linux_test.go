package stress

import (
	"testing"

	"github.com/nlstress/nlstress/pkg/vrrp"
)

// Every router counter reaches the result, the RFC 5798 §7.1 address-list
// mismatches among them.
func TestCountersReachTheResult(t *testing.T) {
	c := counters(vrrp.Counters{AdvertsSent: 1, AdvertsReceived: 2, SendErrors: 3, AddrListMismatch: 4, Transitions: 5,
		NetlinkRequests: 6, NetlinkErrors: 7, NetlinkESRCH: 8, LinkEvents: 9})
	if c.AdvertsSent != 1 || c.AdvertsReceived != 2 || c.SendErrors != 3 || c.AddrListMismatch != 4 || c.Transitions != 5 ||
		c.NetlinkRequests != 6 || c.NetlinkErrors != 7 || c.NetlinkESRCH != 8 || c.LinkEvents != 9 {
		t.Fatalf("result counters %+v lose some of the router's", c)
	}
}
