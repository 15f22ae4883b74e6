// Package churn makes background rtnetlink load in a lab namespace at a
// controlled rate: routes, neighbour entries or addresses added and
// removed on a link of their own, from a socket of their own, as a
// routing daemon converging, an ARP flood or DHCP and SLAAC would make
// them beside a VRRP daemon. It measures the rate it achieved.
package churn

import (
	"fmt"
	"time"
)

// Kind is what a generator adds and removes.
type Kind string

// The kinds of churn.
const (
	// Route churn adds and removes /32 routes from 203.0.113.0/24 in a
	// table of its own (Table): RTM_NEWROUTE and RTM_DELROUTE on the
	// IPv4 route group, as a routing daemon installing routes makes.
	Route Kind = "route"
	// Neigh churn adds and removes permanent neighbour entries for
	// 198.51.100.0/24: RTM_NEWNEIGH and RTM_DELNEIGH on the neighbour
	// group, as an ARP or ND flood fills the neighbour table. The kernel
	// notifies a new entry twice: three messages per add and remove.
	Neigh Kind = "neigh"
	// Addr churn adds and removes /32 addresses from 192.0.2.0/24:
	// RTM_NEWADDR and RTM_DELADDR on the IPv4 address group (and their
	// local routes on the route group), as DHCP or SLAAC make.
	Addr Kind = "addr"
)

// Kinds are every kind, in the order reports list them.
var Kinds = []Kind{Route, Neigh, Addr}

// Table is the routing table route churn uses, clear of main and local.
const Table = 4242

// Slots is how many objects a generator cycles through: the first Slots
// changes add them, the next Slots remove them, and so on, so that each
// change is one notification.
const Slots = 250

// MaxRate is the highest rate a generator is asked for, changes per
// second.
const MaxRate = 100000

// ReachedFraction is the share of the asked rate a generator must
// achieve to be said to have reached it.
const ReachedFraction = 0.9

// Stats is what a generator did.
type Stats struct {
	Kind Kind `json:"kind"`
	// Asked is the rate asked for and Achieved the one made, changes per
	// second over Elapsed.
	Asked    int           `json:"asked_per_s"`
	Achieved float64       `json:"achieved_per_s"`
	Changes  uint64        `json:"changes"`
	Elapsed  time.Duration `json:"elapsed_ns"`
	// Cleared are the objects Stop removed, changes too (one notification
	// each) but not part of the rate.
	Cleared uint64 `json:"cleared"`
	// Errors are changes the kernel refused (an object already there or
	// already gone), FirstError the first refusal.
	Errors     uint64 `json:"errors"`
	FirstError string `json:"first_error,omitempty"`
}

// Reached says the generator achieved ReachedFraction of its asked rate.
func (s Stats) Reached() bool { return s.Achieved >= ReachedFraction*float64(s.Asked) }

// String is one line for a report.
func (s Stats) String() string {
	line := fmt.Sprintf("%s churn: asked %d/s, achieved %.0f/s (%d changes in %v)", s.Kind, s.Asked, s.Achieved, s.Changes, s.Elapsed.Round(time.Millisecond))
	if s.Errors > 0 {
		line += fmt.Sprintf(", %d refused by the kernel (first: %s)", s.Errors, s.FirstError)
	}
	if !s.Reached() {
		line += fmt.Sprintf("; BELOW the asked rate: this machine could not make more (%.0f%%)", 100*s.Achieved/float64(s.Asked))
	}
	return line
}

// step is the n-th change (0-based) of a generator: which slot, and
// whether it adds the slot's object or removes it.
func step(n uint64) (slot int, add bool) {
	return int(n % Slots), (n/Slots)%2 == 0
}

// left are the slots whose objects are in place after n changes: those
// added in the current round of adds, or those a round of removes has
// not reached yet.
func left(n uint64) (first, last int) {
	slot, adding := step(n)
	if adding {
		return 0, slot
	}
	return slot, Slots
}

// due is how many changes a generator at rate per second owes after
// elapsed.
func due(rate int, elapsed time.Duration) uint64 {
	return uint64(float64(rate) * elapsed.Seconds())
}
