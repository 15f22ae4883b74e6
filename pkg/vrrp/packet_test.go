package vrrp

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"time"
)

var (
	src4 = netip.MustParseAddr("198.18.0.1")
	src6 = netip.MustParseAddr("fe80::1")
)

// onesSum is an independent check of a checksum: the one's-complement sum
// of the pseudo-header and the whole message, checksum included, is 0xffff.
func onesSum(b []byte, version int, src, dst netip.Addr) uint16 {
	var buf []byte
	if version == 3 {
		buf = append(buf, src.AsSlice()...)
		buf = append(buf, dst.AsSlice()...)
		if src.Is4() {
			buf = append(buf, 0, Protocol, byte(len(b)>>8), byte(len(b)))
		} else {
			buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
			buf = append(buf, 0, 0, 0, Protocol)
		}
	}
	buf = append(buf, b...)
	if len(buf)%2 == 1 {
		buf = append(buf, 0)
	}
	var s uint32
	for i := 0; i < len(buf); i += 2 {
		s += uint32(binary.BigEndian.Uint16(buf[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestMarshalParseRoundTrip(t *testing.T) {
	vips4 := []netip.Addr{netip.MustParseAddr("198.19.0.1"), netip.MustParseAddr("198.19.0.2")}
	tests := []struct {
		name string
		p    Packet
		src  netip.Addr
		dst  netip.Addr
	}{
		{"v3 IPv4, RFC 5798 §5.2", Packet{Version: 3, VRID: 7, Priority: 200, AdvertInterval: time.Second, Addrs: vips4}, src4, GroupIPv4},
		{"v3 IPv4 10ms (1 cs, the minimum)", Packet{Version: 3, VRID: 255, Priority: 100, AdvertInterval: 10 * time.Millisecond, Addrs: vips4[:1]}, src4, GroupIPv4},
		{"v3 IPv6, RFC 5798 §5.2", Packet{Version: 3, VRID: 1, Priority: 254, AdvertInterval: 40950 * time.Millisecond, Addrs: []netip.Addr{netip.MustParseAddr("2001:db8:1::1")}}, src6, GroupIPv6},
		{"v2 no auth, RFC 3768 §5.3", Packet{Version: 2, VRID: 51, Priority: 100, AdvertInterval: time.Second, Addrs: vips4}, src4, GroupIPv4},
		{"v2 simple text auth, RFC 3768 §5.3.6", Packet{Version: 2, VRID: 51, Priority: 100, AdvertInterval: 3 * time.Second, AuthType: AuthSimple, AuthData: [8]byte{'s', 'e', 'c', 'r', 'e', 't'}, Addrs: vips4}, src4, GroupIPv4},
		{"v3 resign with no addresses", Packet{Version: 3, VRID: 9, Priority: PriorityResign, AdvertInterval: time.Second}, src4, GroupIPv4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.p.Marshal(tt.src, tt.dst)
			if err != nil {
				t.Fatal(err)
			}
			if s := onesSum(b, tt.p.Version, tt.src, tt.dst); s != 0xffff {
				t.Fatalf("checksum does not verify: one's sum %#04x", s)
			}
			got, err := Parse(b, TTL, tt.src, tt.dst)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != tt.p.Version || got.VRID != tt.p.VRID || got.Priority != tt.p.Priority ||
				got.AdvertInterval != tt.p.AdvertInterval || got.AuthType != tt.p.AuthType || got.AuthData != tt.p.AuthData ||
				!sameAddrs(got.Addrs, tt.p.Addrs) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", got, tt.p)
			}
		})
	}
}

func TestParseDiscards(t *testing.T) {
	good := Packet{Version: 3, VRID: 7, Priority: 200, AdvertInterval: time.Second, Addrs: []netip.Addr{netip.MustParseAddr("198.19.0.1")}}
	b, err := good.Marshal(src4, GroupIPv4)
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func([]byte) []byte) []byte { return f(append([]byte(nil), b...)) }
	tests := []struct {
		name string
		b    []byte
		ttl  int
		want Reason
	}{
		{"§7.1 TTL must be 255", b, 254, ReasonTTL},
		{"§7.1 version must be 3 (or 2)", mutate(func(x []byte) []byte { x[0] = 4<<4 | 1; return x }), TTL, ReasonVersion},
		{"§5.2.2 type must be ADVERTISEMENT", mutate(func(x []byte) []byte { x[0] = 3<<4 | 2; return x }), TTL, ReasonType},
		{"§7.1 packet must hold its addresses", mutate(func(x []byte) []byte { x[3] = 2; return x }), TTL, ReasonShort},
		{"§7.1 checksum", mutate(func(x []byte) []byte { x[2] ^= 1; return x }), TTL, ReasonChecksum},
		{"header only", b[:6], TTL, ReasonShort},
		{"VRID 0", mutate(func(x []byte) []byte { x[1] = 0; return x }), TTL, ReasonZeroVRID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.b, tt.ttl, src4, GroupIPv4)
			if got := ReasonOf(err); got != tt.want {
				t.Fatalf("reason %v (%v), want %v", got, err, tt.want)
			}
		})
	}
	// v3's checksum covers the pseudo-header: another source breaks it.
	if _, err := Parse(b, TTL, netip.MustParseAddr("198.18.0.9"), GroupIPv4); ReasonOf(err) != ReasonChecksum {
		t.Fatalf("v3 checksum ignores the source address: %v", err)
	}
}

func TestMarshalRejects(t *testing.T) {
	for name, p := range map[string]Packet{
		"version 4":           {Version: 4, VRID: 1, AdvertInterval: time.Second},
		"v3 interval 0":       {Version: 3, VRID: 1, AdvertInterval: 0},
		"v3 interval > 40.95": {Version: 3, VRID: 1, AdvertInterval: 41 * time.Second},
		"v2 fraction":         {Version: 2, VRID: 1, AdvertInterval: 1500 * time.Millisecond},
	} {
		if _, err := p.Marshal(src4, GroupIPv4); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := (&Packet{Version: 2, VRID: 1, AdvertInterval: time.Second}).Marshal(src6, GroupIPv6); err == nil {
		t.Error("VRRPv2 over IPv6 accepted")
	}
}

func TestConfigCheck(t *testing.T) {
	vip := netip.MustParseAddr("198.19.0.1")
	cfg := Config{VRID: 7, Priority: 100, Version: 3, AdvertisementInterval: time.Second, Primary: src4, Addrs: []netip.Addr{vip}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	v2 := cfg
	v2.Version, v2.AuthType, v2.AuthData = 2, AuthSimple, [8]byte{'p', 'w'}
	owner := cfg
	owner.Priority = PriorityOwner
	adv := func(c Config, prio uint8, addrs ...netip.Addr) Packet {
		p := c.Advertisement(prio)
		if addrs != nil {
			p.Addrs = addrs
		}
		return p
	}
	other := netip.MustParseAddr("198.19.9.9")
	tests := []struct {
		name string
		cfg  Config
		p    Packet
		want Reason
	}{
		{"§7.1 matching advertisement passes", cfg, adv(cfg, 200), ReasonNone},
		{"§7.1 version differs", cfg, adv(v2, 200), ReasonVersion},
		{"§7.1 owner discards", owner, adv(cfg, 200), ReasonOwner},
		{"RFC 5798 §7.1 v3 address list differs: processed (and logged by the router)", cfg, adv(cfg, 200, other), ReasonNone},
		{"RFC 3768 §7.1 v2 address list differs, not from owner: dropped", v2, adv(v2, 200, other), ReasonAddrList},
		{"RFC 3768 §7.1 v2 address list differs, from owner: accepted", v2, adv(v2, PriorityOwner, other), ReasonNone},
		{"RFC 3768 §7.1 auth differs", v2, func() Packet { p := adv(v2, 200); p.AuthData[0] = 'x'; return p }(), ReasonAuth},
		{"RFC 3768 §7.1 interval differs", v2, func() Packet { p := adv(v2, 200); p.AdvertInterval = 2 * time.Second; return p }(), ReasonAdvertInterval},
		{"RFC 3768 matching v2 passes", v2, adv(v2, 200), ReasonNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReasonOf(tt.cfg.Check(tt.p)); got != tt.want {
				t.Fatalf("reason %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAddrListDiffers(t *testing.T) {
	a, b := netip.MustParseAddr("198.19.0.1"), netip.MustParseAddr("198.19.0.2")
	cfg := Config{VRID: 7, Priority: 100, Version: 3, AdvertisementInterval: time.Second, Primary: src4, Addrs: []netip.Addr{a, b}}
	for _, tt := range []struct {
		name  string
		prio  uint8
		addrs []netip.Addr
		want  bool
	}{
		{"same set in another order", 200, []netip.Addr{b, a}, false},
		{"one address fewer", 200, []netip.Addr{a}, true},
		{"another address", 200, []netip.Addr{a, netip.MustParseAddr("198.19.9.9")}, true},
		{"from the owner", PriorityOwner, []netip.Addr{a}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := cfg.Advertisement(tt.prio)
			p.Addrs = tt.addrs
			if got := cfg.AddrListDiffers(p); got != tt.want {
				t.Fatalf("AddrListDiffers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	base := Config{VRID: 1, Priority: 100, Version: 3, AdvertisementInterval: time.Second, Primary: src4}
	for name, mutate := range map[string]func(*Config){
		"VRID 0":            func(c *Config) { c.VRID = 0 },
		"priority 0":        func(c *Config) { c.Priority = 0 },
		"version 1":         func(c *Config) { c.Version = 1 },
		"no primary":        func(c *Config) { c.Primary = netip.Addr{} },
		"v2 over IPv6":      func(c *Config) { c.Version, c.Primary = 2, src6 },
		"v3 5ms":            func(c *Config) { c.AdvertisementInterval = 5 * time.Millisecond },
		"v3 15ms":           func(c *Config) { c.AdvertisementInterval = 15 * time.Millisecond },
		"v2 100ms":          func(c *Config) { c.Version, c.AdvertisementInterval = 2, 100*time.Millisecond },
		"mixed family VIPs": func(c *Config) { c.Addrs = []netip.Addr{netip.MustParseAddr("2001:db8::1")} },
	} {
		c := base
		mutate(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	p := Packet{Version: 3, VRID: 7, Priority: 200, AdvertInterval: time.Second, Addrs: []netip.Addr{netip.MustParseAddr("198.19.0.1")}}
	b, _ := p.Marshal(src4, GroupIPv4)
	f.Add(b, false)
	p2 := Packet{Version: 2, VRID: 7, Priority: 100, AdvertInterval: time.Second, AuthType: AuthSimple}
	b2, _ := p2.Marshal(src4, GroupIPv4)
	f.Add(b2, false)
	p6 := Packet{Version: 3, VRID: 1, Priority: 100, AdvertInterval: time.Second, Addrs: []netip.Addr{netip.MustParseAddr("2001:db8::1")}}
	b6, _ := p6.Marshal(src6, GroupIPv6)
	f.Add(b6, true)
	f.Fuzz(func(t *testing.T, b []byte, v6 bool) {
		src, dst := src4, GroupIPv4
		if v6 {
			src, dst = src6, GroupIPv6
		}
		got, err := Parse(b, TTL, src, dst)
		if err != nil {
			if ReasonOf(err) == ReasonNone {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		// Round trip: what parses re-encodes to the same bytes.
		back, err := got.Marshal(src, dst)
		if err != nil {
			return // e.g. a v3 interval of 0 cs parses but is not sendable
		}
		again, err := Parse(back, TTL, src, dst)
		if err != nil || again.VRID != got.VRID || again.Priority != got.Priority || !sameAddrs(again.Addrs, got.Addrs) {
			t.Fatalf("round trip changed the packet: %+v -> %+v (%v)", got, again, err)
		}
	})
}
