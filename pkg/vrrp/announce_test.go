package vrrp

import (
	"net"
	"net/netip"
	"testing"
)

// RFC 5798 §6.4.1/§6.4.2: a new master's unsolicited Neighbor
// Advertisements have the Router flag set, Solicited clear and Override
// set, and carry the virtual MAC as the target link-layer address.
func TestNeighborAdvertFlags(t *testing.T) {
	mac := net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, 0x02, 0x07}
	ip := netip.MustParseAddr("fd00:198:19::7")
	m := neighborAdvert(mac, ip)
	if m[0] != 136 || m[1] != 0 {
		t.Fatalf("type %d code %d, want 136 0", m[0], m[1])
	}
	if m[4]&naRouter == 0 || m[4]&naSolicited != 0 || m[4]&naOverride == 0 {
		t.Fatalf("flags %#02x: want R set, S clear, O set", m[4])
	}
	if got, _ := netip.AddrFromSlice(m[8:24]); got != ip {
		t.Fatalf("target %v, want %v", got, ip)
	}
	if m[24] != 2 || m[25] != 1 || net.HardwareAddr(m[26:32]).String() != mac.String() {
		t.Fatalf("target link-layer option % x, want type 2 length 1 and %v", m[24:32], mac)
	}
}
