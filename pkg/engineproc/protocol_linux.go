// Package engineproc runs the built-in VRRP engine as the router under
// test in a process of its own, as a real daemon runs: its monitor socket,
// its event loop and its Go runtime share nothing with nlstress's harness
// (the oracle, the sampler, the peer, the flapper), so that the harness can
// be kept off the CPU the subject needs while it drains a storm, exactly as
// it is for keepalived or FRR.
//
// The child is the same executable started again with one environment
// variable set: Main, called first thing in main (and in TestMain of test
// binaries that start engines), turns such a process into the engine and
// never returns. The parent drives it with Start. The two talk over a
// socket pair in JSON lines: the child sends its state transitions as they
// happen (its notify FIFO) and answers the parent's questions (its
// counters, its monitor's reads, markers read); nothing is asked of it
// while a storm is measured except what the parent needs to close a
// window.
package engineproc

import (
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// Spec is what the child runs: the router's instances and its monitor.
type Spec struct {
	// Instances are the router's instances (vrrp.RouterConfig.Instances);
	// the router tracks their interfaces and VMACs.
	Instances []vrrp.InstanceSpec `json:"instances"`
	// Groups, RcvBuf, Force and NoENOBUFS are the monitor socket's
	// (nlmon.Config); Cost and Policy its consumer model (nlmon.Monitor).
	Groups    []nlmon.Group `json:"groups"`
	RcvBuf    bytesize.Size `json:"rcvbuf,omitempty"` // 0: the kernel default
	Force     bool          `json:"force"`
	NoENOBUFS bool          `json:"no_enobufs"`
	Cost      time.Duration `json:"cost"`
	Policy    nlmon.Policy  `json:"policy"`
	// TransitionCost is the router's busy work per state change
	// (vrrp.RouterConfig.TransitionCost).
	TransitionCost time.Duration `json:"transition_cost"`
	// TrackCost is the router's busy work per tracking instance on a
	// link change (vrrp.RouterConfig.TrackCost).
	TrackCost time.Duration `json:"track_cost"`
	// Notify is a command (its path and its own arguments) the engine
	// starts at every state change without waiting for it, as keepalived
	// starts an instance's notify script; the engine appends keepalived's
	// arguments (INSTANCE, the instance's name, its new state, its
	// priority). Empty: none.
	Notify []string `json:"notify,omitempty"`
}

// SocketInfo is the child's monitor socket as the parent needs it.
type SocketInfo struct {
	Inode     uint32        `json:"inode"`
	Effective bytesize.Size `json:"effective"`
	Capped    bool          `json:"capped"`
}

// Links is what the child's monitor read about links since the last ask:
// the links it read a message about, and its belief of each link it ever
// read about (true: up and running).
type Links struct {
	Read   []uint32        `json:"read"`
	Belief map[uint32]bool `json:"belief"`
}

// The questions the parent asks.
const (
	opCounts   = "counts"   // nlmon.Counts now, and the SocketInfo
	opIdle     = "idle"     // the monitor handled everything queued
	opMarker   = "marker"   // wait until marker K is read; its Counts
	opStats    = "stats"    // nlmon.Stats
	opCounters = "counters" // vrrp.Counters
	opLinks    = "links"    // Links since the last ask
	opRcvBuf   = "rcvbuf"   // resize the monitor's buffer; its SocketInfo
	opMemory   = "memory"   // Memory, after a collection
)

// Memory is what the child's Go runtime holds, read after a collection:
// what the engine keeps (HeapLive) against what the process has from the
// system (Sys) and has given back (HeapReleased), for telling a leak from
// a runtime that keeps freed memory.
type Memory struct {
	HeapLive     uint64 `json:"heap_live"`
	Sys          uint64 `json:"sys"`
	HeapReleased uint64 `json:"heap_released"`
	Goroutines   int    `json:"goroutines"`
}

// request is one question, answered by the reply with the same ID.
type request struct {
	ID      uint64        `json:"id"`
	Op      string        `json:"op"`
	Marker  uint32        `json:"marker,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
	RcvBuf  bytesize.Size `json:"rcvbuf,omitempty"`
	Force   bool          `json:"force,omitempty"`
}

// message is what the child sends: a reply (ID set), its ready message
// (ID 0, Socket set) or a transition (ID 0, Transition set).
type message struct {
	ID         uint64           `json:"id,omitempty"`
	Err        string           `json:"err,omitempty"`
	Ready      bool             `json:"ready,omitempty"`
	Transition *vrrp.Transition `json:"transition,omitempty"`
	Socket     *SocketInfo      `json:"socket,omitempty"`
	Counts     *nlmon.Counts    `json:"counts,omitempty"`
	Idle       bool             `json:"idle,omitempty"`
	Stats      *nlmon.Stats     `json:"stats,omitempty"`
	Counters   *vrrp.Counters   `json:"counters,omitempty"`
	Links      *Links           `json:"links,omitempty"`
	Memory     *Memory          `json:"memory,omitempty"`
}
