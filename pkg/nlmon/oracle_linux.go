package nlmon

import (
	"fmt"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

// OracleRcvBuf is the oracle's forced buffer request; the kernel doubles it
// to 64 MiB, far above any storm nlstress makes.
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
}

// Add accumulates another storm into s.
func (s *Storm) Add(o Storm) {
	s.Messages += o.Messages
	s.Bytes += o.Bytes
	s.Truesize = max(s.Truesize, o.Truesize)
	s.OracleDrops += o.OracleDrops
	if s.ByType == nil {
		s.ByType = map[string]uint64{}
	}
	for k, v := range o.ByType {
		s.ByType[k] += v
	}
}

// OpenOracle opens the oracle socket in a namespace with the given groups
// (empty: KeepalivedGroups) and a forced 64 MiB buffer.
func OpenOracle(netnsFD int, groups []Group) (*Oracle, error) {
	s, err := Open(Config{NetNS: netnsFD, Groups: groups, RcvBuf: OracleRcvBuf, Force: true})
	if err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	return &Oracle{s: s, buf: make([]byte, readBufSize)}, nil
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
	for {
		n, err := o.s.TryRead(o.buf)
		if err != nil {
			return st, fmt.Errorf("oracle: drain: %w", err)
		}
		if n == 0 {
			return st, nil
		}
		_ = Messages(o.buf[:n], func(msg []byte) {
			if ev.Decode(msg) != nil || ev.Type == nlmsgDone || ev.Type == nlmsgError {
				return
			}
			st.Messages++
			st.Bytes += uint64(ev.Len)
			st.ByType[TypeName(ev.Type)]++
		})
	}
}

// Socket is the oracle's socket.
func (o *Oracle) Socket() *Socket { return o.s }

// Close closes the oracle's socket.
func (o *Oracle) Close() error { return o.s.Close() }
