package vrrp

import (
	"net/netip"
	"reflect"
	"testing"
	"time"
)

var (
	lowIP  = netip.MustParseAddr("198.18.0.1")
	highIP = netip.MustParseAddr("198.18.0.2")
	vip    = netip.MustParseAddr("198.19.0.1")
)

func cfgWith(prio uint8, mutate ...func(*Config)) Config {
	c := Config{VRID: 1, Priority: prio, Version: 3, AdvertisementInterval: time.Second, Preempt: true, Primary: lowIP, Addrs: []netip.Addr{vip}}
	for _, f := range mutate {
		f(&c)
	}
	return c
}

// advert is an advertisement event from a peer.
func advert(prio uint8, from netip.Addr, interval time.Duration) Event {
	return Event{Kind: EventAdvertisement, From: from, Advert: Packet{Version: 3, VRID: 1, Priority: prio, AdvertInterval: interval, Addrs: []netip.Addr{vip}}}
}

// machineIn drives a machine into a state with real events.
func machineIn(t *testing.T, c Config, s State) *Machine {
	t.Helper()
	m := NewMachine(c)
	switch s {
	case Backup:
		m.Handle(Event{Kind: EventStartup})
	case Master:
		m.Handle(Event{Kind: EventStartup})
		if m.State() != Master {
			m.Handle(Event{Kind: EventMasterDownTimer})
		}
	case Fault:
		m.Handle(Event{Kind: EventStartup})
		m.Handle(Event{Kind: EventTrackDown})
	}
	if m.State() != s {
		t.Fatalf("could not reach %v, in %v", s, m.State())
	}
	return m
}

func kinds(as []Action) []ActionKind {
	out := make([]ActionKind, len(as))
	for i, a := range as {
		out[i] = a.Kind
	}
	return out
}

func find(as []Action, k ActionKind) (Action, bool) {
	for _, a := range as {
		if a.Kind == k {
			return a, true
		}
	}
	return Action{}, false
}

func TestTimers(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		skew     time.Duration
		downIntv time.Duration
	}{
		// RFC 5798 §6.1: Skew_Time = ((256 - Priority) * Master_Adver_Interval) / 256,
		// Master_Down_Interval = (3 * Master_Adver_Interval) + Skew_Time.
		{"§6.1 priority 100 at 1s", cfgWith(100), 609375 * time.Microsecond, 3609375 * time.Microsecond},
		{"§6.1 priority 254 at 1s", cfgWith(254), 7812500 * time.Nanosecond, 3007812500 * time.Nanosecond},
		{"§6.1 priority 100 at 100ms", cfgWith(100, func(c *Config) { c.AdvertisementInterval = 100 * time.Millisecond }), 60937500 * time.Nanosecond, 360937500 * time.Nanosecond},
		// RFC 3768 §6.1: Skew_Time = (256 - Priority) / 256 seconds.
		{"RFC 3768 §6.1 v2 priority 100", cfgWith(100, func(c *Config) { c.Version = 2 }), 609375 * time.Microsecond, 3609375 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMachine(tt.cfg)
			if m.SkewTime() != tt.skew || m.MasterDownInterval() != tt.downIntv {
				t.Fatalf("Skew_Time %v, Master_Down_Interval %v; want %v, %v", m.SkewTime(), m.MasterDownInterval(), tt.skew, tt.downIntv)
			}
		})
	}
}

func TestMachine(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		from  State
		ev    Event
		want  []ActionKind
		state State
		check func(*testing.T, *Machine, []Action)
	}{
		{
			name: "§6.4.1 Startup, priority 255: owner becomes Master, advertises, announces",
			cfg:  cfgWith(PriorityOwner), from: Initialize, ev: Event{Kind: EventStartup},
			want:  []ActionKind{ActionSendAdvert, ActionAddVIPs, ActionAnnounce, ActionSetAdverTimer, ActionTransition},
			state: Master,
		},
		{
			name: "§6.4.1 Startup, priority < 255: Backup with Master_Down_Timer = Master_Down_Interval",
			cfg:  cfgWith(100), from: Initialize, ev: Event{Kind: EventStartup},
			want: []ActionKind{ActionSetMasterDownTimer, ActionTransition}, state: Backup,
			check: func(t *testing.T, m *Machine, as []Action) {
				if a, _ := find(as, ActionSetMasterDownTimer); a.After != m.MasterDownInterval() {
					t.Fatalf("timer %v, want %v", a.After, m.MasterDownInterval())
				}
			},
		},
		{
			name: "§6.4.2 Backup, Master_Down_Timer fires: become Master",
			cfg:  cfgWith(100), from: Backup, ev: Event{Kind: EventMasterDownTimer},
			want:  []ActionKind{ActionSendAdvert, ActionAddVIPs, ActionAnnounce, ActionSetAdverTimer, ActionTransition},
			state: Master,
		},
		{
			name: "§6.4.2 Backup, priority-0 advert: Master_Down_Timer = Skew_Time",
			cfg:  cfgWith(100), from: Backup, ev: advert(PriorityResign, highIP, time.Second),
			want: []ActionKind{ActionSetMasterDownTimer}, state: Backup,
			check: func(t *testing.T, m *Machine, as []Action) {
				if as[0].After != m.SkewTime() {
					t.Fatalf("timer %v, want Skew_Time %v", as[0].After, m.SkewTime())
				}
			},
		},
		{
			name: "§6.4.2 Backup, higher-priority advert: reset Master_Down_Timer, learn Master_Adver_Interval",
			cfg:  cfgWith(100), from: Backup, ev: advert(200, highIP, 500*time.Millisecond),
			want: []ActionKind{ActionSetMasterDownTimer}, state: Backup,
			check: func(t *testing.T, m *Machine, as []Action) {
				if m.MasterAdverInterval() != 500*time.Millisecond {
					t.Fatalf("Master_Adver_Interval %v, want the advertised 500ms", m.MasterAdverInterval())
				}
				want := 3*500*time.Millisecond + 156*500*time.Millisecond/256
				if as[0].After != want {
					t.Fatalf("timer %v, want %v", as[0].After, want)
				}
			},
		},
		{
			name: "§6.4.2 Backup, preempt on, lower-priority advert: discarded, timer runs out",
			cfg:  cfgWith(200), from: Backup, ev: advert(100, highIP, time.Second),
			want: []ActionKind{}, state: Backup,
		},
		{
			name: "§6.4.2 Backup, preempt off, lower-priority advert: accepted as master",
			cfg:  cfgWith(200, func(c *Config) { c.Preempt = false }), from: Backup, ev: advert(100, highIP, time.Second),
			want: []ActionKind{ActionSetMasterDownTimer}, state: Backup,
		},
		{
			name: "§6.4.2 Backup, equal-priority advert: accepted even with preempt",
			cfg:  cfgWith(100), from: Backup, ev: advert(100, highIP, time.Second),
			want: []ActionKind{ActionSetMasterDownTimer}, state: Backup,
		},
		{
			name: "§6.4.2 Backup, Shutdown: cancel timer, Initialize",
			cfg:  cfgWith(100), from: Backup, ev: Event{Kind: EventShutdown},
			want: []ActionKind{ActionCancelTimers, ActionTransition}, state: Initialize,
		},
		{
			name: "§6.4.3 Master, Adver_Timer fires: advertise and re-arm",
			cfg:  cfgWith(200), from: Master, ev: Event{Kind: EventAdverTimer},
			want: []ActionKind{ActionSendAdvert, ActionSetAdverTimer}, state: Master,
			check: func(t *testing.T, m *Machine, as []Action) {
				if as[0].Priority != 200 || as[1].After != time.Second {
					t.Fatalf("actions %+v", as)
				}
			},
		},
		{
			name: "§6.4.3 Master, higher-priority advert: step down to Backup",
			cfg:  cfgWith(100), from: Master, ev: advert(200, highIP, time.Second),
			want:  []ActionKind{ActionCancelTimers, ActionRemoveVIPs, ActionSetMasterDownTimer, ActionTransition},
			state: Backup,
		},
		{
			name: "§6.4.3 Master, equal priority from a higher primary address: step down",
			cfg:  cfgWith(100), from: Master, ev: advert(100, highIP, time.Second),
			want:  []ActionKind{ActionCancelTimers, ActionRemoveVIPs, ActionSetMasterDownTimer, ActionTransition},
			state: Backup,
		},
		{
			name: "§6.4.3 Master, equal priority from a lower primary address: stay Master",
			cfg:  cfgWith(100, func(c *Config) { c.Primary = highIP }), from: Master, ev: advert(100, lowIP, time.Second),
			want: []ActionKind{}, state: Master,
		},
		{
			name: "§6.4.3 Master, lower-priority advert: discarded",
			cfg:  cfgWith(200), from: Master, ev: advert(100, highIP, time.Second),
			want: []ActionKind{}, state: Master,
		},
		{
			name: "§6.4.3 Master, priority-0 advert: advertise at once",
			cfg:  cfgWith(200), from: Master, ev: advert(PriorityResign, highIP, time.Second),
			want: []ActionKind{ActionSendAdvert, ActionSetAdverTimer}, state: Master,
		},
		{
			name: "§6.4.3 Master, Shutdown: cancel, send priority 0, Initialize",
			cfg:  cfgWith(200), from: Master, ev: Event{Kind: EventShutdown},
			want:  []ActionKind{ActionCancelTimers, ActionSendAdvert, ActionRemoveVIPs, ActionTransition},
			state: Initialize,
			check: func(t *testing.T, m *Machine, as []Action) {
				if as[1].Priority != PriorityResign {
					t.Fatalf("resign advert with priority %d", as[1].Priority)
				}
			},
		},
		{
			name: "keepalived FAULT: Master, tracked interface down: resign and remove VIPs",
			cfg:  cfgWith(200), from: Master, ev: Event{Kind: EventTrackDown},
			want:  []ActionKind{ActionCancelTimers, ActionSendAdvert, ActionRemoveVIPs, ActionTransition},
			state: Fault,
		},
		{
			name: "keepalived FAULT: Backup, tracked interface down",
			cfg:  cfgWith(100), from: Backup, ev: Event{Kind: EventTrackDown},
			want: []ActionKind{ActionCancelTimers, ActionTransition}, state: Fault,
		},
		{
			name: "keepalived FAULT: adverts and timers are ignored",
			cfg:  cfgWith(200), from: Fault, ev: Event{Kind: EventMasterDownTimer},
			want: []ActionKind{}, state: Fault,
		},
		{
			name: "keepalived FAULT: tracked interface up returns to Backup with Master_Down_Timer",
			cfg:  cfgWith(200), from: Fault, ev: Event{Kind: EventTrackUp},
			want: []ActionKind{ActionSetMasterDownTimer, ActionTransition}, state: Backup,
		},
		{
			name: "keepalived FAULT: the owner returns straight to Master",
			cfg:  cfgWith(PriorityOwner), from: Fault, ev: Event{Kind: EventTrackUp},
			want:  []ActionKind{ActionSendAdvert, ActionAddVIPs, ActionAnnounce, ActionSetAdverTimer, ActionTransition},
			state: Master,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := machineIn(t, tt.cfg, tt.from)
			as := m.Handle(tt.ev)
			if got := kinds(as); !reflect.DeepEqual(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Fatalf("actions %v, want %v", got, tt.want)
			}
			if m.State() != tt.state {
				t.Fatalf("state %v, want %v", m.State(), tt.state)
			}
			if tr, ok := find(as, ActionTransition); ok && (tr.From != tt.from || tr.To != tt.state) {
				t.Fatalf("transition %v -> %v, want %v -> %v", tr.From, tr.To, tt.from, tt.state)
			}
			if tt.check != nil {
				tt.check(t, m, as)
			}
		})
	}
}

// TestElectionAndRecovery plays two machines against each other through a
// flap, with time as a plain number: no clock, no sleeping.
func TestElectionAndRecovery(t *testing.T) {
	subject := NewMachine(cfgWith(200, func(c *Config) { c.Primary = lowIP }))
	peer := NewMachine(cfgWith(100, func(c *Config) { c.Primary = highIP }))
	subject.Handle(Event{Kind: EventStartup})
	peer.Handle(Event{Kind: EventStartup})
	// The subject's Master_Down_Interval is shorter (less skew): it fires first.
	if subject.MasterDownInterval() >= peer.MasterDownInterval() {
		t.Fatal("higher priority must have the shorter Master_Down_Interval")
	}
	subject.Handle(Event{Kind: EventMasterDownTimer})
	peer.Handle(advert(200, lowIP, time.Second))
	if subject.State() != Master || peer.State() != Backup {
		t.Fatalf("after election: subject %v, peer %v", subject.State(), peer.State())
	}
	// Link down: the subject resigns; the peer takes over after Skew_Time.
	as := subject.Handle(Event{Kind: EventTrackDown})
	if a, _ := find(as, ActionSendAdvert); a.Priority != PriorityResign {
		t.Fatal("no resign advert on FAULT")
	}
	if as := peer.Handle(advert(PriorityResign, lowIP, time.Second)); as[0].After != peer.SkewTime() {
		t.Fatalf("peer timer %v, want Skew_Time", as[0].After)
	}
	peer.Handle(Event{Kind: EventMasterDownTimer})
	if peer.State() != Master || subject.State() != Fault {
		t.Fatalf("after link down: subject %v, peer %v", subject.State(), peer.State())
	}
	// Link up: the subject is Backup, ignores the lower master (preempt),
	// its Master_Down_Timer fires, it takes over; the peer steps down.
	subject.Handle(Event{Kind: EventTrackUp})
	if as := subject.Handle(advert(100, highIP, time.Second)); len(as) != 0 || subject.State() != Backup {
		t.Fatalf("preempting backup reacted to a lower master: %v", kinds(as))
	}
	subject.Handle(Event{Kind: EventMasterDownTimer})
	peer.Handle(advert(200, lowIP, time.Second))
	if subject.State() != Master || peer.State() != Backup {
		t.Fatalf("after link up: subject %v, peer %v", subject.State(), peer.State())
	}
}

func TestStateTextRoundTrip(t *testing.T) {
	for _, s := range []State{Initialize, Backup, Master, Fault} {
		b, err := s.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var got State
		if err := got.UnmarshalText(b); err != nil || got != s {
			t.Errorf("%v: round trip gave %v, %v", s, got, err)
		}
	}
	var s State
	if err := s.UnmarshalText([]byte("STANDBY")); err == nil {
		t.Error("STANDBY: want an error")
	}
}
