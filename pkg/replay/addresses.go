package replay

import (
	"fmt"
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
	for k := range r.Layout.Interfaces {
		ifc := &r.Layout.Interfaces[k]
		if g, ok := given[ifc.Name]; ok {
			ifc.Subject = g
			for _, p := range g {
				peer, err := neighbour(p)
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
			sub, err := neighbour(netip.PrefixFrom(gw, bits))
			if err != nil {
				return fmt.Errorf("%w: %s:%d: %s: virtual route gateway %s: %v", ErrReplay, in.File, in.Line, in.Name, gw, err)
			}
			addOnce(&ifc.Subject, sub)
			addOnce(&ifc.Peer, netip.PrefixFrom(gw, bits))
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

// neighbour is another host address of p's prefix than p's own: the next
// one, or the one before when the next is the prefix's last (broadcast).
func neighbour(p netip.Prefix) (netip.Prefix, error) {
	n := p.Addr().Next()
	last := lastOf(p)
	if !n.IsValid() || !p.Contains(n) || n == last && p.Addr().Is4() {
		n = p.Addr().Prev()
	}
	if !n.IsValid() || !p.Contains(n) || n == p.Masked().Addr() {
		return netip.Prefix{}, fmt.Errorf("no second host address in %s", p.Masked())
	}
	return netip.PrefixFrom(n, p.Bits()), nil
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
