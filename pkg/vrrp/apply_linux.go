package vrrp

import (
	"time"
)

// apply carries out a machine's actions for instance i. now is the
// event's one clock reading: timers are armed from it and transitions are
// stamped with it.
func (r *Router) apply(i int, actions []Action, now time.Time) { r.applyFrom(i, actions, now, now) }

// applyFrom is apply for the actions of a timer that was due at due: a
// timer it arms again runs from due, not from now, so that a loop that
// woke late does not push every later advertisement back (at 10 ms, 255
// instances sent 6 % fewer adverts than they should). A timer more than
// its own period late runs from now: no burst to catch up.
func (r *Router) applyFrom(i int, actions []Action, now, due time.Time) {
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
			r.timers.Arm(i, TimerAdver, rearm(now, due, a.After))
		case ActionSetMasterDownTimer:
			r.timers.Arm(i, TimerMasterDown, rearm(now, due, a.After))
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
