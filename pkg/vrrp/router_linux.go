package vrrp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/nlmon"
)

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
	// OnTransition, if set, is called from the event loop after every
	// state change is recorded: a daemon's notify script or FIFO. It may
	// block (the loop waits, as keepalived's does on its FIFO) but must
	// not call the router.
	OnTransition func(Transition)
	// NoHistory keeps no list of transitions (Transitions returns none):
	// for a router whose transitions go out through OnTransition, as the
	// engine's child process sends them to nlstress.
	NoHistory bool
	// TransitionCost is busy work done in the event loop at every state
	// change: a model of what a daemon does there (notify scripts, logs).
	TransitionCost time.Duration
	// TrackCost is busy work done in the event loop for each instance
	// that tracks a link, when the link goes up or down: a model of
	// keepalived walking an interface's tracking list (try_up_instance,
	// down_instance) before it reads the next message. 255 instances on
	// one parent interface make it a pause of 255 times this.
	TrackCost time.Duration
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
	links, err := r.act.links()
	if err != nil {
		return fmt.Errorf("router %s: dump links: %w", r.cfg.Name, err)
	}
	for _, l := range links {
		r.links[l.Index] = nlmon.LinkUp(l.Flags)
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
