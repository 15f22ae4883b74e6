package nlmon

import (
	"testing"

	"golang.org/x/sys/unix"
)

// Only what a churn generator makes on the churn link is churn: the
// link's own messages (its carrier, its IPv6 link-local) and other links'
// addresses belong to the storm.
func TestChurned(t *testing.T) {
	const link = 9000
	o := &Oracle{ChurnLink: link}
	for _, tc := range []struct {
		name string
		ev   Event
		want bool
	}{
		{"IPv4 address added", Event{Type: TypeNewAddr, Index: link, Family: unix.AF_INET}, true},
		{"IPv4 address removed", Event{Type: TypeDelAddr, Index: link, Family: unix.AF_INET}, true},
		{"IPv4 route", Event{Type: TypeNewRoute, Index: link, Family: unix.AF_INET}, true},
		{"IPv4 neighbour", Event{Type: TypeDelNeigh, Index: link, Family: unix.AF_INET}, true},
		{"the link's carrier", Event{Type: TypeNewLink, Index: link}, false},
		{"its IPv6 link-local", Event{Type: TypeNewAddr, Index: link, Family: unix.AF_INET6}, false},
		{"another link's address", Event{Type: TypeNewAddr, Index: 3, Family: unix.AF_INET}, false},
	} {
		if got := o.churned(&tc.ev); got != tc.want {
			t.Errorf("%s: churned %v, want %v", tc.name, got, tc.want)
		}
	}
	if (&Oracle{}).churned(&Event{Type: TypeNewAddr, Family: unix.AF_INET}) {
		t.Error("an oracle without a churn link counted churn")
	}
}
