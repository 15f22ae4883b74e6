package vrrp

import (
	"context"
	"time"

	"github.com/nlstress/nlstress/pkg/nlmon"
)

// loop is the single-threaded event loop: timers, advertisements and
// netlink notifications, one at a time.
func (r *Router) loop(ctx context.Context) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		for {
			i, kind, due, ok := r.timers.Expire(now)
			if !ok {
				break
			}
			ev := EventAdverTimer
			if kind == TimerMasterDown {
				ev = EventMasterDownTimer
			}
			r.applyFrom(i, r.inst[i].m.Handle(Event{Kind: ev}), now, due)
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
	nlmon.Spin(r.cfg.TrackCost * time.Duration(len(r.track[ev.Index])))
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
