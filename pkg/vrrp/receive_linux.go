package vrrp

import (
	"errors"
	"log/slog"
	"time"
)

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
