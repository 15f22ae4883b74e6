package vrrp

import (
	"net/netip"
	"time"
)

// InstanceSpec places one virtual router instance in a router.
type InstanceSpec struct {
	Config Config
	// Interface is the ifindex the instance runs on: it receives there,
	// and sends there when it has no VMAC.
	Interface uint32
	// VMAC is the ifindex of the instance's macvlan, 0 for none. With one,
	// the instance sends from it (so adverts carry the virtual MAC) and
	// installs its virtual addresses on it, as keepalived's use_vmac does.
	VMAC uint32
	// Routes are virtual routes, installed while Master via RouteGateway
	// out of Interface and removed on leaving Master (virtual_routes).
	Routes       []netip.Prefix
	RouteGateway netip.Addr
}

// Transition is one state change of one instance.
type Transition struct {
	At       time.Time `json:"at"`
	Instance int       `json:"instance"`
	From     State     `json:"from"`
	To       State     `json:"to"`
}

// Since returns, in a new slice, the transitions of ts at or after t:
// what a long run keeps of a history once older flaps are judged, so that
// hours of flapping do not grow it (the old backing array is released).
func Since(ts []Transition, t time.Time) []Transition {
	i := 0
	for i < len(ts) && ts[i].At.Before(t) {
		i++
	}
	return append([]Transition(nil), ts[i:]...)
}

// Heard is the last advertisement an instance received: the router's view
// of the wire, which is how the peer observes the subject.
type Heard struct {
	At       time.Time  `json:"at"`
	Priority uint8      `json:"priority"`
	From     netip.Addr `json:"from"`
}

// LinkEvent is one rtnetlink notification as a router needs it. Events
// that are not about links (Link false) still take a turn of the router's
// event loop, as every message does in a single-threaded daemon.
type LinkEvent struct {
	Link  bool   // RTM_NEWLINK or RTM_DELLINK
	Index uint32 // the interface
	Up    bool   // up and with carrier (IFF_UP and IFF_RUNNING)
}

// Counters are a router's running totals.
type Counters struct {
	AdvertsSent     uint64 `json:"adverts_sent"`
	AdvertsReceived uint64 `json:"adverts_received"` // passed the receive checks
	SendErrors      uint64 `json:"send_errors"`
	// LastSendError is the last send error, as a reason to look at (a link
	// that is down makes them expected).
	LastSendError string            `json:"last_send_error,omitempty"`
	Discarded     map[string]uint64 `json:"discarded,omitempty"` // by reason (RFC 5798 §7.1)
	// AddrListMismatch counts v3 advertisements processed although their
	// address list differs from the configured one (RFC 5798 §7.1).
	AddrListMismatch uint64 `json:"addr_list_mismatch"`
	Transitions      uint64 `json:"transitions"`
	// NetlinkRequests counts the router's own rtnetlink requests (VIP and
	// route adds and deletes); NetlinkESRCH those that failed with "No
	// such process", keepalived's familiar log line.
	NetlinkRequests uint64 `json:"netlink_requests"`
	NetlinkErrors   uint64 `json:"netlink_errors"`
	NetlinkESRCH    uint64 `json:"netlink_esrch"`
	LinkEvents      uint64 `json:"link_events"`
}
