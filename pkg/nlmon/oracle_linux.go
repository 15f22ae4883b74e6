package nlmon

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

// OracleRcvBuf is the oracle's default forced buffer request; the kernel
// doubles it to 64 MiB. A run sizes its oracle from its scenario.
const OracleRcvBuf = 32 * bytesize.MiB

// Oracle records the ground truth of a storm: every notification the kernel
// emitted for a set of groups in a namespace, and their exact total truesize.
//
// It works by queueing, not by reading: between two Collects nothing
// reads the socket, so the kernel's own rmem counter for it is the exact
// truesize of the storm (the memory a reader that fell fully behind would
// need); Collect then reads that counter and drains the queue, counting each
// message by type.
type Oracle struct {
	s     *Socket
	buf   []byte
	drops uint32 // sk_drops seen at the last Collect
	// flags are each link's ifi_flags in the last message about it, for
	// counting changes; a link never seen is up with carrier, as every
	// link is when a run starts.
	flags map[uint32]uint32
	// ChurnLink is the ifindex of the link background churn uses (0:
	// none): the IPv4 addresses, routes and neighbours on it are counted
	// as churn as well (see churned).
	ChurnLink uint32
}

// Storm is what the kernel sent between two Collects.
type Storm struct {
	Messages uint64            `json:"messages"`
	Bytes    uint64            `json:"bytes"`    // netlink length
	Truesize uint64            `json:"truesize"` // skb truesize queued, bytes
	ByType   map[string]uint64 `json:"by_type"`
	// OracleDrops is what the oracle itself lost; anything but 0 means the
	// figures are not ground truth.
	OracleDrops uint32 `json:"oracle_drops"`
	// LinkUp is, per ifindex that had a link message in the window, the
	// state the last one said (nlmon.LinkUp): the kernel's truth at the
	// window's end.
	LinkUp map[uint32]bool `json:"-"`
	// AdminChanges counts the link messages in which IFF_UP changed from
	// the link's last message, CarrierChanges those in which IFF_LOWER_UP
	// did: the link transitions as the kernel reported them (linkwatch
	// coalesces carrier changes closer than its one-second batch).
	AdminChanges   uint64 `json:"admin_changes"`
	CarrierChanges uint64 `json:"carrier_changes"`
	// Churn counts the messages, of Messages, that background churn
	// makes (IPv4 addresses, routes and neighbours on Oracle.ChurnLink):
	// load, not the flap's storm. The churn link's own messages (its
	// carrier, its IPv6 link-local address) are not churn.
	Churn      uint64 `json:"churn"`
	ChurnBytes uint64 `json:"churn_bytes"`
}

// Add adds o, a later part of the same window, to s: messages, bytes,
// truesize (the queue would have held both parts at once) and drops all
// add up. The largest of several windows is a different question: compare
// their Truesize.
func (s *Storm) Add(o Storm) {
	s.Messages += o.Messages
	s.Bytes += o.Bytes
	s.Truesize += o.Truesize
	s.OracleDrops += o.OracleDrops
	s.AdminChanges += o.AdminChanges
	s.CarrierChanges += o.CarrierChanges
	s.Churn += o.Churn
	s.ChurnBytes += o.ChurnBytes
	if s.ByType == nil {
		s.ByType = map[string]uint64{}
	}
	for k, v := range o.ByType {
		s.ByType[k] += v
	}
	if s.LinkUp == nil && len(o.LinkUp) > 0 {
		s.LinkUp = map[uint32]bool{}
	}
	for k, v := range o.LinkUp {
		s.LinkUp[k] = v // o is the later part
	}
}

// OpenOracle opens the oracle socket in a namespace with the given groups
// (empty: KeepalivedGroups) and a forced buffer of rcvbuf (0: OracleRcvBuf),
// which the kernel doubles. Any storm larger than the buffer is dropped by
// the oracle too, and shows as OracleDrops: the oracle sets
// NETLINK_NO_ENOBUFS, so that its own overrun (a background churn faster
// than nlstress reads) is counted by the kernel and judged (an ERROR
// verdict), not an error that stops the run.
func OpenOracle(netnsFD int, groups []Group, rcvbuf bytesize.Size) (*Oracle, error) {
	if rcvbuf == 0 {
		rcvbuf = OracleRcvBuf
	}
	s, err := Open(Config{NetNS: netnsFD, Groups: groups, RcvBuf: rcvbuf, Force: true, NoENOBUFS: true})
	if err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	return &Oracle{s: s, buf: make([]byte, readBufSize), flags: map[uint32]uint32{}}, nil
}

// Collect returns what was queued since the last Collect and
// empties the queue. Call it when the namespace is quiet, or a message that
// arrives while it drains is counted without its truesize.
func (o *Oracle) Collect() (Storm, error) {
	mi, err := o.s.MemInfo()
	if err != nil {
		return Storm{}, fmt.Errorf("oracle: %w", err)
	}
	st := Storm{Truesize: uint64(mi.Rmem), ByType: map[string]uint64{}, OracleDrops: mi.Drops - o.drops}
	o.drops = mi.Drops
	var ev Event
	deadline := time.Now().Add(drainLimit)
	for i := 0; ; i++ {
		n, err := o.s.TryRead(o.buf)
		if err != nil {
			return st, fmt.Errorf("oracle: drain: %w", err)
		}
		if n == 0 {
			return st, nil
		}
		o.count(&st, &ev, n)
		if i%256 == 255 && time.Now().After(deadline) {
			// Messages arrive as fast as they are read (a background
			// churn beyond what nlstress keeps up with): what is left
			// stays for the next Collect, and what the oracle cannot
			// hold shows as its drops.
			return st, nil
		}
	}
}

// drainLimit bounds one Collect: a queue refilled as fast as it is read
// never empties.
const drainLimit = 2 * time.Second

// count adds the messages of the datagram in o.buf[:n] to st, leaving
// markers out, and returns the last marker it held (0 for none).
func (o *Oracle) count(st *Storm, ev *Event, n int) (marker uint32) {
	_ = Messages(o.buf[:n], func(msg []byte) {
		if ev.Decode(msg) != nil || ev.Type == nlmsgDone || ev.Type == nlmsgError {
			return
		}
		if ev.Marker != 0 {
			marker = ev.Marker
			return
		}
		st.Messages++
		st.Bytes += uint64(ev.Len)
		st.ByType[TypeName(ev.Type)]++
		if o.churned(ev) {
			st.Churn++
			st.ChurnBytes += uint64(ev.Len)
		}
		if ev.Type == TypeNewLink || ev.Type == TypeDelLink {
			if st.LinkUp == nil {
				st.LinkUp = map[uint32]bool{}
			}
			st.LinkUp[ev.Index] = ev.Type == TypeNewLink && ev.LinkUp()
			o.changes(st, ev)
		}
	})
	return marker
}

// churned reports whether ev is one background churn makes: an IPv4
// address, route or neighbour on the churn link. Only the generator
// makes those there; the kernel's own messages about the link (carrier
// coming up, the IPv6 link-local address it adds then) would otherwise
// count as churn in a flap that starts soon after the lab.
func (o *Oracle) churned(ev *Event) bool {
	if o.ChurnLink == 0 || ev.Index != o.ChurnLink || ev.Family != unix.AF_INET {
		return false
	}
	switch ev.Type {
	case TypeNewAddr, TypeDelAddr, TypeNewRoute, TypeDelRoute, TypeNewNeigh, TypeDelNeigh:
		return true
	}
	return false
}

// changes counts the admin and carrier changes a link message reports.
// A link deleted is down; one never seen was up.
func (o *Oracle) changes(st *Storm, ev *Event) {
	const upCarrier = unix.IFF_UP | unix.IFF_LOWER_UP
	was, ok := o.flags[ev.Index]
	if !ok {
		was = upCarrier
	}
	now := ev.Flags
	if ev.Type == TypeDelLink {
		now = 0
	}
	if (was^now)&unix.IFF_UP != 0 {
		st.AdminChanges++
	}
	if (was^now)&unix.IFF_LOWER_UP != 0 {
		st.CarrierChanges++
	}
	o.flags[ev.Index] = now
}

// markerTimeout bounds the wait for a marker the monitor has already read
// to be found in the oracle's queue (the kernel queues a broadcast for
// each member in turn).
const markerTimeout = 5 * time.Second

// CollectUntil is Collect that stops after marker k: what was queued
// before it is returned, what came after it stays queued for the next
// Collect. The truesize it reports is what the drain freed, less the
// marker's own; a message that arrives during the drain (after the marker,
// so not counted) makes it short by that message's truesize.
func (o *Oracle) CollectUntil(k uint32) (Storm, error) {
	mi, err := o.s.MemInfo()
	if err != nil {
		return Storm{}, fmt.Errorf("oracle: %w", err)
	}
	st := Storm{ByType: map[string]uint64{}, OracleDrops: mi.Drops - o.drops}
	o.drops = mi.Drops
	before := uint64(mi.Rmem)
	deadline := time.Now().Add(markerTimeout)
	var ev Event
	for {
		pre, err := o.s.MemInfo()
		if err != nil {
			return st, fmt.Errorf("oracle: %w", err)
		}
		n, err := o.s.TryRead(o.buf)
		if err != nil {
			return st, fmt.Errorf("oracle: drain: %w", err)
		}
		if n == 0 {
			if time.Now().After(deadline) {
				return st, fmt.Errorf("oracle: marker %d never arrived (oracle drops %d)", k, st.OracleDrops)
			}
			time.Sleep(50 * time.Microsecond)
			continue
		}
		if got := o.count(&st, &ev, n); got >= k {
			post, err := o.s.MemInfo()
			if err != nil {
				return st, fmt.Errorf("oracle: %w", err)
			}
			// The marker is alone in its datagram: what its read freed
			// is its truesize.
			marker := uint64(pre.Rmem) - min(uint64(pre.Rmem), uint64(post.Rmem))
			if freed := before - min(before, uint64(post.Rmem)); freed > marker {
				st.Truesize = freed - marker
			}
			return st, nil
		}
	}
}

// Socket is the oracle's socket.
func (o *Oracle) Socket() *Socket { return o.s }

// Close closes the oracle's socket.
func (o *Oracle) Close() error { return o.s.Close() }
