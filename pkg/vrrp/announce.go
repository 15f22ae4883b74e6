package vrrp

import (
	"net"
	"net/netip"
)

// Neighbor Advertisement flags (RFC 4861 §4.4).
const (
	naRouter    = 0x80
	naSolicited = 0x40
	naOverride  = 0x20
)

// neighborAdvert is the ICMPv6 Neighbor Advertisement a new master sends
// unsolicited for a virtual address ip owned by mac: Router set, Solicited
// clear, Override set (RFC 5798 §6.4.1 and §6.4.2; RFC 4861 §7.2.6), with
// the Target Link-Layer Address option. The kernel fills in the checksum.
func neighborAdvert(mac net.HardwareAddr, ip netip.Addr) [32]byte {
	var m [32]byte
	m[0] = 136 // Neighbor Advertisement; code 0
	m[4] = naRouter | naOverride
	t := ip.As16()
	copy(m[8:24], t[:]) // Target Address
	m[24], m[25] = 2, 1 // option: Target Link-Layer Address, 8 bytes
	copy(m[26:32], mac)
	return m
}
