package vrrp

import (
	"fmt"
	"net/netip"
	"time"
)

// State is a virtual router's state (RFC 5798 §6.4), plus keepalived's
// Fault: a tracked interface is down and the instance takes no part.
type State int

// The states.
const (
	Initialize State = iota
	Backup
	Master
	Fault
)

var stateNames = [...]string{"INIT", "BACKUP", "MASTER", "FAULT"}

// String names the state as keepalived logs it.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN"
}

// MarshalText names the state in JSON.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name back; an unknown name is an error.
func (s *State) UnmarshalText(b []byte) error {
	for i, n := range stateNames {
		if n == string(b) {
			*s = State(i)
			return nil
		}
	}
	return fmt.Errorf("unknown VRRP state %q", b)
}

// EventKind is what happened to a virtual router.
type EventKind int

// The events of RFC 5798 §6.4, and keepalived's tracked-interface events.
const (
	EventStartup         EventKind = iota + 1
	EventShutdown                  // administrative shutdown
	EventAdvertisement             // an advertisement passed the receive checks
	EventMasterDownTimer           // Master_Down_Timer fired
	EventAdverTimer                // Adver_Timer fired
	EventTrackDown                 // a tracked interface went down
	EventTrackUp                   // every tracked interface is up again
)

// Event is an input to the machine.
type Event struct {
	Kind EventKind
	// Advert is the received advertisement, for EventAdvertisement.
	Advert Packet
	// From is the advertisement's source address (the sender's primary).
	From netip.Addr
}

// ActionKind is what the machine asks its router to do.
type ActionKind int

// The actions.
const (
	// ActionSendAdvert sends an advertisement with Action.Priority.
	ActionSendAdvert ActionKind = iota + 1
	// ActionAddVIPs installs the virtual addresses. Accept_Mode (RFC 5798
	// §6.1) is not modelled: a master accepts packets to its virtual
	// addresses, as keepalived does without vrrp_strict.
	ActionAddVIPs
	// ActionRemoveVIPs removes the virtual addresses.
	ActionRemoveVIPs
	// ActionAnnounce sends gratuitous ARP (IPv4) or unsolicited neighbour
	// advertisements (IPv6) for the virtual addresses.
	ActionAnnounce
	// ActionSetAdverTimer arms Adver_Timer to fire after Action.After.
	ActionSetAdverTimer
	// ActionSetMasterDownTimer arms Master_Down_Timer after Action.After.
	ActionSetMasterDownTimer
	// ActionCancelTimers cancels both timers.
	ActionCancelTimers
	// ActionTransition reports a state change, Action.From to Action.To.
	ActionTransition
)

// Action is an output of the machine.
type Action struct {
	Kind     ActionKind
	Priority uint8         // ActionSendAdvert
	After    time.Duration // timers
	From, To State         // ActionTransition
}

// Machine is one virtual router's state machine. It is pure: it reads no
// clock and touches no socket. Handle takes an event and returns what the
// router must do; timers are actions, and their firing comes back as events.
type Machine struct {
	cfg   Config
	state State
	// masterAdverInterval is Master_Adver_Interval: the interval the
	// current master advertises (v3 learns it from advertisements).
	masterAdverInterval time.Duration
	// trackDown is set while a tracked interface is down.
	trackDown bool
}

// NewMachine returns a machine in Initialize for a validated config.
func NewMachine(cfg Config) *Machine {
	return &Machine{cfg: cfg, state: Initialize, masterAdverInterval: cfg.AdvertisementInterval}
}

// State is the current state.
func (m *Machine) State() State { return m.state }

// Config is the machine's configuration.
func (m *Machine) Config() *Config { return &m.cfg }

// MasterAdverInterval is Master_Adver_Interval.
func (m *Machine) MasterAdverInterval() time.Duration { return m.masterAdverInterval }

// SkewTime is the machine's Skew_Time (see the function SkewTime).
func (m *Machine) SkewTime() time.Duration {
	return SkewTime(m.cfg.Version, m.cfg.Priority, m.masterAdverInterval)
}

// MasterDownInterval is the machine's Master_Down_Interval (see the
// function MasterDownInterval).
func (m *Machine) MasterDownInterval() time.Duration {
	return MasterDownInterval(m.cfg.Version, m.cfg.Priority, m.masterAdverInterval)
}

// SkewTime is RFC 5798 §6.1's Skew_Time for a backup of the given version
// and priority: ((256 - Priority) * Master_Adver_Interval) / 256 for v3,
// and (256 - Priority) / 256 seconds for v2 (RFC 3768 §6.1).
func SkewTime(version int, priority uint8, masterAdverInterval time.Duration) time.Duration {
	if version == 2 {
		return time.Duration(256-int(priority)) * time.Second / 256
	}
	return time.Duration(256-int(priority)) * masterAdverInterval / 256
}

// MasterDownInterval is RFC 5798 §6.1's Master_Down_Interval:
// 3 * Master_Adver_Interval + Skew_Time.
func MasterDownInterval(version int, priority uint8, masterAdverInterval time.Duration) time.Duration {
	return 3*masterAdverInterval + SkewTime(version, priority, masterAdverInterval)
}

// Handle applies one event and returns the actions, in order.
func (m *Machine) Handle(ev Event) []Action {
	switch ev.Kind {
	case EventTrackDown:
		m.trackDown = true
		return m.toFault()
	case EventTrackUp:
		m.trackDown = false
		if m.state == Fault {
			return m.leaveFault()
		}
		return nil
	}
	switch m.state {
	case Initialize:
		return m.initialize(ev)
	case Backup:
		return m.backup(ev)
	case Master:
		return m.master(ev)
	}
	// Fault: keepalived ignores advertisements and timers until the
	// tracked interfaces are back; a shutdown still returns to Initialize.
	if ev.Kind == EventShutdown {
		return []Action{m.transition(Initialize)}
	}
	return nil
}

func (m *Machine) transition(to State) Action {
	a := Action{Kind: ActionTransition, From: m.state, To: to}
	m.state = to
	return a
}

// becomeMaster is the common path to Master of RFC 5798 §6.4.1 and
// §6.4.2: advertise, install and announce the addresses, arm Adver_Timer.
func (m *Machine) becomeMaster() []Action {
	return []Action{
		{Kind: ActionSendAdvert, Priority: m.cfg.Priority},
		{Kind: ActionAddVIPs},
		{Kind: ActionAnnounce},
		{Kind: ActionSetAdverTimer, After: m.cfg.AdvertisementInterval},
		m.transition(Master),
	}
}

// becomeBackup is §6.4.1's path to Backup: Master_Adver_Interval is reset
// to our own interval and Master_Down_Timer armed.
func (m *Machine) becomeBackup() []Action {
	m.masterAdverInterval = m.cfg.AdvertisementInterval
	return []Action{
		{Kind: ActionSetMasterDownTimer, After: m.MasterDownInterval()},
		m.transition(Backup),
	}
}

// initialize is RFC 5798 §6.4.1.
func (m *Machine) initialize(ev Event) []Action {
	if ev.Kind != EventStartup {
		return nil
	}
	if m.trackDown {
		return []Action{m.transition(Fault)}
	}
	// §6.4.1: the owner (priority 255) goes straight to Master.
	if m.cfg.Owner() {
		return m.becomeMaster()
	}
	return m.becomeBackup()
}

// backup is RFC 5798 §6.4.2.
func (m *Machine) backup(ev Event) []Action {
	switch ev.Kind {
	case EventShutdown:
		return []Action{{Kind: ActionCancelTimers}, m.transition(Initialize)}
	case EventMasterDownTimer:
		return m.becomeMaster()
	case EventAdvertisement:
		p := ev.Advert
		if p.Priority == PriorityResign {
			// §6.4.2: the master resigned: take over after Skew_Time.
			return []Action{{Kind: ActionSetMasterDownTimer, After: m.SkewTime()}}
		}
		if !m.cfg.Preempt || p.Priority >= m.cfg.Priority {
			// §6.4.2: accept this master; learn its interval (v3).
			if m.cfg.Version == 3 && p.AdvertInterval > 0 {
				m.masterAdverInterval = p.AdvertInterval
			}
			return []Action{{Kind: ActionSetMasterDownTimer, After: m.MasterDownInterval()}}
		}
		// §6.4.2: preempting, so a lower-priority master is ignored and
		// Master_Down_Timer runs out.
		return nil
	}
	return nil
}

// master is RFC 5798 §6.4.3.
func (m *Machine) master(ev Event) []Action {
	switch ev.Kind {
	case EventShutdown:
		return m.resign(Initialize)
	case EventAdverTimer:
		return []Action{
			{Kind: ActionSendAdvert, Priority: m.cfg.Priority},
			{Kind: ActionSetAdverTimer, After: m.cfg.AdvertisementInterval},
		}
	case EventAdvertisement:
		p := ev.Advert
		if p.Priority == PriorityResign {
			// §6.4.3: another master resigned: assert ourselves at once.
			return []Action{
				{Kind: ActionSendAdvert, Priority: m.cfg.Priority},
				{Kind: ActionSetAdverTimer, After: m.cfg.AdvertisementInterval},
			}
		}
		if p.Priority > m.cfg.Priority || (p.Priority == m.cfg.Priority && addrGreater(ev.From, m.cfg.Primary)) {
			// §6.4.3: a better master: step down.
			if m.cfg.Version == 3 && p.AdvertInterval > 0 {
				m.masterAdverInterval = p.AdvertInterval
			}
			return []Action{
				{Kind: ActionCancelTimers},
				{Kind: ActionRemoveVIPs},
				{Kind: ActionSetMasterDownTimer, After: m.MasterDownInterval()},
				m.transition(Backup),
			}
		}
		return nil
	}
	return nil
}

// toFault is keepalived's reaction to a tracked interface going down: a
// master resigns (priority 0, so the backup takes over after Skew_Time if
// the advertisement gets out) and removes its addresses; timers stop.
func (m *Machine) toFault() []Action {
	switch m.state {
	case Master:
		return m.resign(Fault)
	case Backup:
		return []Action{{Kind: ActionCancelTimers}, m.transition(Fault)}
	}
	return nil
}

// leaveFault returns from Fault as keepalived does: to Backup with
// Master_Down_Timer armed (the owner goes straight to Master); election or
// preemption then decides.
func (m *Machine) leaveFault() []Action {
	if m.cfg.Owner() {
		return m.becomeMaster()
	}
	return m.becomeBackup()
}

// resign is a master's way out, to Initialize on shutdown (RFC 5798
// §6.4.3) or to Fault: stop the timers, send an advertisement with
// priority 0 so the backup takes over after Skew_Time, and remove the
// addresses.
func (m *Machine) resign(to State) []Action {
	return []Action{
		{Kind: ActionCancelTimers},
		{Kind: ActionSendAdvert, Priority: PriorityResign},
		{Kind: ActionRemoveVIPs},
		m.transition(to),
	}
}

// addrGreater compares primary addresses as unsigned integers in network
// byte order, the tie-break of RFC 5798 §6.4.3.
func addrGreater(a, b netip.Addr) bool { return a.Compare(b) > 0 }
