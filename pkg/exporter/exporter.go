// Package exporter exposes diagnose's read-only view of a host's netlink
// sockets as Prometheus metrics: a prometheus.Collector for an exporter
// (diagnose --listen), a text file written atomically for node_exporter's
// textfile collector (diagnose --textfile), or the exposition on stdout.
//
// Series are per owner, not per socket: the labels are the namespace, the
// owning process's name, the protocol and the multicast groups, so that a
// daemon restarting (new pid, new sockets) stays on the same series; pid
// and inode are on nlstress_netlink_socket_info only.
package exporter

import (
	"sort"
	"strings"

	"github.com/nlstress/nlstress/pkg/diagnose"
)

// Metric names.
const (
	nameSockets  = "nlstress_netlink_sockets"
	nameDrops    = "nlstress_netlink_socket_drops"
	nameDropsTot = "nlstress_netlink_drops_total"
	nameRcvBuf   = "nlstress_netlink_rcvbuf_bytes"
	nameQueued   = "nlstress_netlink_queued_bytes"
	nameInfo     = "nlstress_netlink_socket_info"
)

// labelNames are the labels of every series but the info metric.
var labelNames = []string{"namespace", "owner", "protocol", "groups"}

// infoLabelNames are the info metric's labels.
var infoLabelNames = []string{"namespace", "owner", "protocol", "groups", "pid", "inode"}

// Owner is the series a socket belongs to.
type Owner struct {
	Namespace, Name, Protocol, Groups string
}

// ownerOf is a socket's series. A process name that is not UTF-8 (a comm
// is any 15 bytes) is made valid, as Prometheus requires of label values.
func ownerOf(s diagnose.Socket) Owner {
	name := s.Comm
	if name == "" {
		name = "unknown"
	}
	return Owner{
		Namespace: strings.ToValidUTF8(s.Namespace, "\uFFFD"),
		Name:      strings.ToValidUTF8(name, "\uFFFD"),
		Protocol:  s.Protocol.String(),
		Groups:    strings.Join(s.GroupNames, ","),
	}
}

func (o Owner) values() []string { return []string{o.Namespace, o.Name, o.Protocol, o.Groups} }

// Group is the sockets of one owner, added up.
type Group struct {
	Owner
	Sockets int
	// Drops is the sum of the open sockets' sk_drops: it falls when a
	// socket closes, so it is a gauge.
	Drops uint64
	// RcvBuf is the smallest effective receive buffer of the sockets.
	RcvBuf uint32
	// Queued is the bytes of truesize queued on them now.
	Queued uint64
}

// Aggregate groups sockets by owner, in a stable order.
func Aggregate(socks []diagnose.Socket) []Group {
	byOwner := map[Owner]*Group{}
	for _, s := range socks {
		o := ownerOf(s)
		g, ok := byOwner[o]
		if !ok {
			g = &Group{Owner: o, RcvBuf: s.RcvBuf}
			byOwner[o] = g
		}
		g.Sockets++
		g.Drops += uint64(s.Drops)
		g.RcvBuf = min(g.RcvBuf, s.RcvBuf)
		g.Queued += uint64(s.Rmem)
	}
	out := make([]Group, 0, len(byOwner))
	for _, g := range byOwner {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].values(), out[j].values()
		for k := range a {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return false
	})
	return out
}

// socketKey names one socket across scrapes: its namespace and inode.
type socketKey struct {
	namespace string
	inode     uint32
}

// Totals keeps a drop counter per owner that survives socket churn: each
// scrape adds what each socket dropped since the last one, and a socket
// that closed keeps what it contributed. A socket seen for the first time
// adds all its drops so far.
type Totals struct {
	last   map[socketKey]uint32
	totals map[Owner]uint64
}

// NewTotals returns empty totals.
func NewTotals() *Totals {
	return &Totals{last: map[socketKey]uint32{}, totals: map[Owner]uint64{}}
}

// Observe adds a scrape's sockets and returns every owner's total so far,
// owners whose sockets all closed included.
func (t *Totals) Observe(socks []diagnose.Socket) map[Owner]uint64 {
	seen := make(map[socketKey]uint32, len(socks))
	for _, s := range socks {
		k := socketKey{s.Namespace, s.Inode}
		prev, ok := t.last[k]
		d := uint64(s.Drops)
		if ok && s.Drops >= prev {
			d = uint64(s.Drops - prev)
		}
		t.totals[ownerOf(s)] += d
		seen[k] = s.Drops
	}
	t.last = seen
	out := make(map[Owner]uint64, len(t.totals))
	for o, v := range t.totals {
		out[o] = v
	}
	return out
}
