package replay

import (
	"fmt"
	"maps"
	"net/netip"
	"strings"
)

// addresses gives every interface its addresses: the user's, or those the
// configuration implies. keepalived.conf does not hold an interface's own
// addresses, but unicast_src_ip, unicast_peer and the gateways of virtual
// routes must be on a connected subnet for keepalived to use them: the
// subject gets unicast_src_ip (or an address in the gateway's /24), the
// peer the first unicast_peer (or the gateway itself). An interface the
// configuration implies nothing for gets the lab's own 198.18.k.0/24.
func (r *Replay) addresses(given map[string][]netip.Prefix) error {
	// The lab's own addresses must not be anything an instance claims.
	taken := map[netip.Addr]bool{}
	for _, in := range r.Instances {
		for _, v := range in.VIPs {
			taken[v] = true
		}
	}
	for k := range r.Layout.Interfaces {
		ifc := &r.Layout.Interfaces[k]
		if g, ok := given[ifc.Name]; ok {
			ifc.Subject = g
			for _, p := range g {
				peer, err := freeHost(p, taken)
				if err != nil {
					return fmt.Errorf("%w: --interface-address %s=%s: %v", ErrReplay, ifc.Name, p, err)
				}
				ifc.Peer = append(ifc.Peer, peer)
			}
			r.Inferred = append(r.Inferred, fmt.Sprintf("%s: %s (given), peer %s", ifc.Name, prefixes(ifc.Subject), prefixes(ifc.Peer)))
		}
	}
	for _, in := range r.Config.Instances {
		k := r.ifaceIndex(in.Interface)
		ifc := &r.Layout.Interfaces[k]
		if _, ok := given[ifc.Name]; ok {
			continue
		}
		if in.UnicastSrc != "" && len(in.UnicastPeers) > 0 {
			src, err1 := netip.ParseAddr(in.UnicastSrc)
			peer, err2 := netip.ParseAddr(in.UnicastPeers[0])
			if err1 != nil || err2 != nil || src.Is4() != peer.Is4() {
				return fmt.Errorf("%w: %s:%d: %s: unicast_src_ip %s and unicast_peer %s: want two addresses of one family", ErrReplay, in.File, in.Line, in.Name, in.UnicastSrc, in.UnicastPeers[0])
			}
			bits := commonBits(src, peer)
			addOnce(&ifc.Subject, netip.PrefixFrom(src, bits))
			addOnce(&ifc.Peer, netip.PrefixFrom(peer, bits))
		}
		for _, rt := range in.Routes {
			gw, ok := via(rt)
			if !ok || covered(ifc.Subject, gw) {
				continue
			}
			d := devOf(rt)
			if d != "" && d != in.Interface {
				ifc = &r.Layout.Interfaces[r.ifaceIndex(d)]
				if covered(ifc.Subject, gw) {
					continue
				}
			}
			bits := 24
			if gw.Is6() {
				bits = 64
			}
			// The peer is the gateway, unless an instance claims that
			// address as a VIP: then any free host of its subnet, which
			// keeps the gateway on-link for the subject's routes.
			avoid := maps.Clone(taken)
			avoid[gw] = true
			sub, err := freeHost(netip.PrefixFrom(gw, bits), avoid)
			peer := netip.PrefixFrom(gw, sub.Bits())
			if err == nil && taken[gw] {
				avoid[sub.Addr()] = true
				if peer, err = freeHost(sub, avoid); err == nil && peer.Bits() < sub.Bits() {
					sub = netip.PrefixFrom(sub.Addr(), peer.Bits()) // one subnet for both
				}
			}
			if err != nil {
				return fmt.Errorf("%w: %s:%d: %s: virtual route gateway %s: %v", ErrReplay, in.File, in.Line, in.Name, gw, err)
			}
			addOnce(&ifc.Subject, sub)
			addOnce(&ifc.Peer, peer)
		}
	}
	for _, ifc := range r.Layout.Interfaces {
		if _, ok := given[ifc.Name]; ok {
			continue
		}
		if len(ifc.Subject) == 0 {
			r.Inferred = append(r.Inferred, fmt.Sprintf("%s: the lab's own addresses (nothing in the configuration needs others)", ifc.Name))
			continue
		}
		r.Inferred = append(r.Inferred, fmt.Sprintf("%s: %s, peer %s (inferred from unicast peers and route gateways)", ifc.Name, prefixes(ifc.Subject), prefixes(ifc.Peer)))
	}
	return nil
}

// via is the gateway of a virtual route as written ("10.1.0.0/16 via
// 10.0.0.254 dev eth2").
func via(route string) (netip.Addr, bool) {
	f := strings.Fields(route)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "via" || f[i] == "gw" {
			a, err := netip.ParseAddr(f[i+1])
			return a, err == nil
		}
	}
	return netip.Addr{}, false
}

// covered reports whether a is inside one of ps.
func covered(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func addOnce(ps *[]netip.Prefix, p netip.Prefix) {
	for _, q := range *ps {
		if q.Addr() == p.Addr() {
			return
		}
	}
	*ps = append(*ps, p)
}

// commonBits is the longest prefix length, at most /24 (/64 in IPv6),
// that holds both addresses.
func commonBits(a, b netip.Addr) int {
	bits := 24
	if a.Is6() {
		bits = 64
	}
	for ; bits > 0; bits-- {
		p := netip.PrefixFrom(a, bits).Masked()
		if p.Contains(b) {
			break
		}
	}
	return bits
}

// freeHost is a host address of p's prefix other than p's own and none
// of taken: the nearest below p's address, else the nearest above, never
// the prefix's network address or, in IPv4, its broadcast address. When
// the prefix is full it looks in one up to eight bits shorter, and the
// address it returns carries that length.
func freeHost(p netip.Prefix, taken map[netip.Addr]bool) (netip.Prefix, error) {
	for widen := 0; widen <= 8 && p.Bits()-widen > 0; widen++ {
		if a, err := freeHostIn(netip.PrefixFrom(p.Addr(), p.Bits()-widen), taken); err == nil {
			return a, nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("no free host address in %s or a prefix up to 8 bits shorter", p.Masked())
}

// freeHostIn is freeHost within p's prefix only.
func freeHostIn(p netip.Prefix, taken map[netip.Addr]bool) (netip.Prefix, error) {
	first, last := p.Masked().Addr(), lastOf(p)
	ok := func(a netip.Addr) bool {
		return a.IsValid() && p.Contains(a) && a != first && !(a == last && a.Is4()) && a != p.Addr() && !taken[a]
	}
	for _, step := range []func(netip.Addr) netip.Addr{netip.Addr.Prev, netip.Addr.Next} {
		a := p.Addr()
		for range 1 << 16 {
			if a = step(a); !a.IsValid() || !p.Contains(a) {
				break
			}
			if ok(a) {
				return netip.PrefixFrom(a, p.Bits()), nil
			}
		}
	}
	return netip.Prefix{}, fmt.Errorf("no free host address in %s", p.Masked())
}

// lastOf is the highest address of p's prefix.
func lastOf(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

func prefixes(ps []netip.Prefix) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.String())
	}
	return strings.Join(s, " ")
}
