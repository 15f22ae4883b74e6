package vrrp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlstress/nlstress/pkg/netns"
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

// RouterConfig describes a router: many instances in one namespace, the
// way one keepalived VRRP process runs them.
type RouterConfig struct {
	// Name labels the router in errors and logs ("subject", "peer").
	Name string
	// NS is the namespace the router runs in.
	NS *netns.NS
	// Instances are the router's instances; their (Interface, VRID) pairs
	// must be unique.
	Instances []InstanceSpec
	// Track puts an instance in Fault while its interface or its VMAC is
	// not up with carrier, as keepalived tracks an instance's own
	// interfaces. The router learns link state only through Notify.
	Track bool
	// Observe, if set, is called from the event loop with every
	// advertisement an instance accepts: a wire observer's hook. It must
	// not block or call the router.
	Observe func(instance int, h Heard)
}

// Transition is one state change of one instance.
type Transition struct {
	At       time.Time `json:"at"`
	Instance int       `json:"instance"`
	From     State     `json:"from"`
	To       State     `json:"to"`
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

// ErrRouterConfig is wrapped by NewRouter's configuration errors.
var ErrRouterConfig = errors.New("invalid router")

type instKey struct {
	ifindex uint32
	vrid    uint8
}

type instance struct {
	spec    InstanceSpec
	m       *Machine
	advert  []byte // our advertisement at our own priority, marshalled once
	tracked []uint32
	down    bool // a tracked interface is down (as last reported)
	// mismatchLogged is set once an address-list mismatch was logged.
	mismatchLogged atomic.Bool
}

type rxAdvert struct {
	inst int
	p    Packet
	from netip.Addr
	at   time.Time
}

// Router runs many instances in one namespace on one raw socket, one timer
// heap and one event loop. Create it with NewRouter, start it with Run; its
// accessors may be called from any goroutine while it runs.
type Router struct {
	cfg    RouterConfig
	sock   vrrpSocket
	group  netip.Addr // 224.0.0.18 or ff02::12
	act    *actuator
	inst   []*instance
	byKey  map[instKey]int
	timers *Timers
	macs   map[uint32]net.HardwareAddr
	links  map[uint32]bool
	track  map[uint32][]int // ifindex -> instances tracking it

	rx   chan rxAdvert
	nl   chan LinkEvent
	ack  chan struct{}
	done chan struct{}
	once sync.Once

	mu          sync.Mutex
	states      []State
	transitions []Transition
	heard       []Heard
	changed     chan struct{}

	sent, received, sendErrs, linkEvents atomic.Uint64
	addrMismatch                         atomic.Uint64
	lastSendErr                          atomic.Value // string
	discards                             [numReasons]atomic.Uint64
}

// NewRouter validates cfg and opens the router's sockets in its namespace:
// the VRRP raw socket, an rtnetlink request socket, and an AF_PACKET socket
// for gratuitous ARP (and, for IPv6, an ICMPv6 socket for unsolicited
// neighbour advertisements). All instances of a router share one address
// family; mixing them fails with ErrFamily. Close it if Run is never called.
func NewRouter(cfg RouterConfig) (*Router, error) {
	r := &Router{
		cfg: cfg, byKey: map[instKey]int{}, timers: NewTimers(len(cfg.Instances)),
		macs: map[uint32]net.HardwareAddr{}, links: map[uint32]bool{}, track: map[uint32][]int{},
		rx: make(chan rxAdvert, 8192), nl: make(chan LinkEvent), ack: make(chan struct{}),
		done: make(chan struct{}), changed: make(chan struct{}),
		states: make([]State, len(cfg.Instances)), heard: make([]Heard, len(cfg.Instances)),
	}
	ifaces := map[uint32]bool{}
	var ifList []uint32
	for i, s := range cfg.Instances {
		c := s.Config
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("router %s: %w", cfg.Name, err)
		}
		group := GroupIPv4
		if c.Primary.Is6() {
			group = GroupIPv6
		}
		if i == 0 {
			r.group = group
		} else if group != r.group {
			return nil, fmt.Errorf("router %s: VRID %d: %w: one router runs one address family", cfg.Name, c.VRID, ErrFamily)
		}
		k := instKey{s.Interface, c.VRID}
		if _, dup := r.byKey[k]; dup {
			return nil, fmt.Errorf("%w %s: VRID %d twice on ifindex %d", ErrRouterConfig, cfg.Name, c.VRID, s.Interface)
		}
		r.byKey[k] = i
		adv := c.Advertisement(c.Priority)
		b, err := adv.Marshal(c.Primary, group)
		if err != nil {
			return nil, fmt.Errorf("router %s: VRID %d: %w", cfg.Name, c.VRID, err)
		}
		in := &instance{spec: s, m: NewMachine(c), advert: b, tracked: []uint32{s.Interface}}
		if s.VMAC != 0 {
			in.tracked = append(in.tracked, s.VMAC)
		}
		for _, idx := range in.tracked {
			r.track[idx] = append(r.track[idx], i)
		}
		r.inst = append(r.inst, in)
		if !ifaces[s.Interface] {
			ifaces[s.Interface] = true
			ifList = append(ifList, s.Interface)
		}
	}
	var err error
	if r.group == GroupIPv6 {
		r.sock, err = openRawSocket6(cfg.NS, ifList)
	} else {
		r.sock, err = openRawSocket(cfg.NS, ifList)
	}
	if err != nil {
		return nil, fmt.Errorf("router %s: %w", cfg.Name, err)
	}
	if r.act, err = openActuator(cfg.NS, r.group == GroupIPv6); err != nil {
		r.sock.close()
		return nil, fmt.Errorf("router %s: %w", cfg.Name, err)
	}
	return r, nil
}

// Close releases the router's sockets. Run closes them itself on return.
func (r *Router) Close() {
	r.once.Do(func() {
		close(r.done)
		r.sock.close()
		r.act.close()
	})
}

// Run starts every instance and runs the event loop until ctx ends; then
// it shuts the instances down (a master sends priority 0 and removes its
// addresses, RFC 5798 §6.4.3) and closes the sockets. Link state starts
// from a dump of the namespace's links; after that it changes only through
// Notify.
func (r *Router) Run(ctx context.Context) error {
	defer r.Close()
	links, err := r.act.conn.Link.List()
	if err != nil {
		return fmt.Errorf("router %s: dump links: %w", r.cfg.Name, err)
	}
	for _, l := range links {
		r.links[l.Index] = l.Flags&1 != 0 && l.Flags&0x40 != 0 // IFF_UP, IFF_RUNNING
		if l.Attributes != nil {
			r.macs[l.Index] = l.Attributes.Address
		}
	}
	go r.receive()

	now := time.Now()
	for i, in := range r.inst {
		if r.cfg.Track {
			in.down = !r.allUp(in)
			if in.down {
				r.apply(i, in.m.Handle(Event{Kind: EventTrackDown}), now)
			}
		}
		r.apply(i, in.m.Handle(Event{Kind: EventStartup}), now)
	}
	r.loop(ctx)
	for i, in := range r.inst {
		r.apply(i, in.m.Handle(Event{Kind: EventShutdown}), time.Now())
	}
	return nil
}

// loop is the single-threaded event loop: timers, advertisements and
// netlink notifications, one at a time.
func (r *Router) loop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		for {
			i, kind, ok := r.timers.Expire(now)
			if !ok {
				break
			}
			ev := EventAdverTimer
			if kind == TimerMasterDown {
				ev = EventMasterDownTimer
			}
			r.apply(i, r.inst[i].m.Handle(Event{Kind: ev}), now)
		}
		wait := time.Hour
		if next, ok := r.timers.Next(); ok {
			wait = time.Until(next)
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case a := <-r.rx:
			r.hear(a)
			if r.cfg.Observe != nil {
				r.cfg.Observe(a.inst, Heard{At: a.at, Priority: a.p.Priority, From: a.from})
			}
			r.apply(a.inst, r.inst[a.inst].m.Handle(Event{Kind: EventAdvertisement, Advert: a.p, From: a.from}), a.at)
		case ev := <-r.nl:
			r.linkEvent(ev)
			r.ack <- struct{}{}
		case <-timer.C:
		}
	}
}

// Notify hands one netlink notification to the event loop and returns once
// the loop has handled it, so a slow loop slows the monitor's reader as in
// a single-threaded daemon. It is meant for one caller (the monitor).
// It returns at once after the router has stopped.
func (r *Router) Notify(ev LinkEvent) {
	select {
	case r.nl <- ev:
	case <-r.done:
		return
	}
	select {
	case <-r.ack:
	case <-r.done:
	}
}

// linkEvent updates a link's state and moves the instances that track it
// into or out of Fault.
func (r *Router) linkEvent(ev LinkEvent) {
	if !ev.Link {
		return
	}
	r.linkEvents.Add(1)
	if old, ok := r.links[ev.Index]; ok && old == ev.Up {
		return
	}
	r.links[ev.Index] = ev.Up
	if !r.cfg.Track {
		return
	}
	now := time.Now()
	for _, i := range r.track[ev.Index] {
		in := r.inst[i]
		down := !r.allUp(in)
		if down == in.down {
			continue
		}
		in.down = down
		kind := EventTrackUp
		if down {
			kind = EventTrackDown
		}
		r.apply(i, in.m.Handle(Event{Kind: kind}), now)
	}
}

// allUp reports whether every interface the instance tracks is up.
func (r *Router) allUp(in *instance) bool {
	for _, idx := range in.tracked {
		if !r.links[idx] {
			return false
		}
	}
	return true
}

// apply carries out a machine's actions for instance i. now is the
// event's one clock reading: timers are armed from it and transitions are
// stamped with it.
func (r *Router) apply(i int, actions []Action, now time.Time) {
	in := r.inst[i]
	s := in.spec
	vipIndex := s.Interface
	if s.VMAC != 0 {
		vipIndex = s.VMAC
	}
	for _, a := range actions {
		switch a.Kind {
		case ActionSendAdvert:
			r.sendAdvert(in, vipIndex, a.Priority)
		case ActionAddVIPs:
			for _, ip := range s.Config.Addrs {
				r.act.addVIP(vipIndex, ip)
			}
			for _, dst := range s.Routes {
				r.act.addRoute(s.Interface, dst, s.RouteGateway)
			}
		case ActionRemoveVIPs:
			for _, dst := range s.Routes {
				r.act.delRoute(s.Interface, dst, s.RouteGateway)
			}
			for _, ip := range s.Config.Addrs {
				r.act.delVIP(vipIndex, ip)
			}
		case ActionAnnounce:
			for _, ip := range s.Config.Addrs {
				if ip.Is6() {
					_ = r.act.unsolicitedNA(vipIndex, r.macs[vipIndex], ip)
				} else {
					_ = r.act.gratuitousARP(vipIndex, r.macs[vipIndex], ip)
				}
			}
		case ActionSetAdverTimer:
			r.timers.Arm(i, TimerAdver, now.Add(a.After))
		case ActionSetMasterDownTimer:
			r.timers.Arm(i, TimerMasterDown, now.Add(a.After))
		case ActionCancelTimers:
			r.timers.Cancel(i)
		case ActionTransition:
			r.record(Transition{At: now, Instance: i, From: a.From, To: a.To})
		}
	}
}

// sendAdvert sends the instance's advertisement at a priority.
func (r *Router) sendAdvert(in *instance, ifindex uint32, prio uint8) {
	c := &in.spec.Config
	b := in.advert
	if prio != c.Priority {
		var err error
		adv := c.Advertisement(prio)
		if b, err = adv.Marshal(c.Primary, r.group); err != nil {
			r.sendErrs.Add(1)
			return
		}
	}
	if err := r.sock.send(b, ifindex, c.Primary); err != nil {
		r.sendErrs.Add(1)
		r.lastSendErr.Store(err.Error())
		return
	}
	r.sent.Add(1)
}

// hear notes the last advertisement an instance received, and wakes the
// waiters when the sender or its priority changed.
func (r *Router) hear(a rxAdvert) {
	r.mu.Lock()
	defer r.mu.Unlock()
	prev := r.heard[a.inst]
	r.heard[a.inst] = Heard{At: a.at, Priority: a.p.Priority, From: a.from}
	if prev.At.IsZero() || prev.Priority != a.p.Priority || prev.From != a.from {
		r.wake()
	}
}

// wake wakes the waiters; r.mu is held.
func (r *Router) wake() {
	close(r.changed)
	r.changed = make(chan struct{})
}

// record notes a transition and wakes the waiters.
func (r *Router) record(t Transition) {
	r.mu.Lock()
	r.states[t.Instance] = t.To
	r.transitions = append(r.transitions, t)
	r.wake()
	r.mu.Unlock()
}

// receive reads the raw socket, applies the receive checks of RFC 5798
// §7.1, and passes what survives to the loop. Discards are counted by
// reason.
func (r *Router) receive() {
	buf := make([]byte, 65536)
	oob := make([]byte, 256)
	for {
		rcv, err := r.sock.recv(buf, oob)
		if err != nil {
			select {
			case <-r.done:
				return
			default:
			}
			if errors.Is(err, errShortIP) {
				r.discards[ReasonShort].Add(1)
			}
			continue
		}
		at := time.Now()
		p, err := Parse(rcv.payload, rcv.ttl, rcv.src, rcv.dst)
		if err != nil {
			r.discards[ReasonOf(err)].Add(1)
			continue
		}
		i, ok := r.byKey[instKey{rcv.ifindex, p.VRID}]
		if !ok {
			r.discards[ReasonUnknownVRID].Add(1)
			continue
		}
		cfg := &r.inst[i].spec.Config
		if err := cfg.Check(p); err != nil {
			r.discards[ReasonOf(err)].Add(1)
			continue
		}
		if cfg.AddrListDiffers(p) {
			// RFC 5798 §7.1: processed, and logged as a misconfiguration
			// (once per instance; the counter keeps the total).
			r.addrMismatch.Add(1)
			if !r.inst[i].mismatchLogged.Swap(true) {
				slog.Warn("VRRP address list differs from the configured one", "router", r.cfg.Name, "vrid", p.VRID,
					"from", rcv.src, "received", len(p.Addrs), "configured", len(cfg.Addrs))
			}
		}
		r.received.Add(1)
		select {
		case r.rx <- rxAdvert{inst: i, p: p, from: rcv.src, at: at}:
		case <-r.done:
			return
		}
	}
}

// States returns every instance's current state, by instance.
func (r *Router) States() []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]State(nil), r.states...)
}

// Transitions returns every transition so far, in order.
func (r *Router) Transitions() []Transition {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Transition(nil), r.transitions...)
}

// Heard returns, by instance, the last advertisement each one received.
func (r *Router) Heard() []Heard {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Heard(nil), r.heard...)
}

// Wait blocks until cond holds for the instances' states and what they
// last heard, or until ctx ends or the router stops. cond runs under the
// router's lock: it must not call the router.
func (r *Router) Wait(ctx context.Context, cond func(states []State, heard []Heard) bool) error {
	for {
		r.mu.Lock()
		ok := cond(r.states, r.heard)
		ch := r.changed
		r.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("router %s: %w", r.cfg.Name, ctx.Err())
		case <-r.done:
			return fmt.Errorf("router %s: stopped", r.cfg.Name)
		}
	}
}

// WaitAll blocks until every instance is in state s, and returns nil, or
// until ctx ends, and returns an error saying how many were not.
func (r *Router) WaitAll(ctx context.Context, s State) error {
	missing := 0
	err := r.Wait(ctx, func(states []State, _ []Heard) bool {
		missing = 0
		for _, st := range states {
			if st != s {
				missing++
			}
		}
		return missing == 0
	})
	if err != nil {
		return fmt.Errorf("%d of %d instances not %s: %w", missing, len(r.inst), s, err)
	}
	return nil
}

// Counters returns the router's totals so far.
func (r *Router) Counters() Counters {
	c := Counters{
		AdvertsSent: r.sent.Load(), AdvertsReceived: r.received.Load(), SendErrors: r.sendErrs.Load(),
		NetlinkRequests: r.act.requests.Load(), NetlinkErrors: r.act.errors.Load(), NetlinkESRCH: r.act.esrch.Load(),
		LinkEvents: r.linkEvents.Load(), Discarded: map[string]uint64{}, AddrListMismatch: r.addrMismatch.Load(),
	}
	c.LastSendError, _ = r.lastSendErr.Load().(string)
	for i := range r.discards {
		if n := r.discards[i].Load(); n > 0 {
			c.Discarded[Reason(i).String()] = n
		}
	}
	r.mu.Lock()
	c.Transitions = uint64(len(r.transitions))
	r.mu.Unlock()
	return c
}
