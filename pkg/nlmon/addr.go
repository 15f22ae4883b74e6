package nlmon

import (
	"net"
	"net/netip"
)

// addrFromIP converts a net.IP of either length, keeping IPv4 as IPv4.
func addrFromIP(ip net.IP) (netip.Addr, bool) {
	if v4 := ip.To4(); v4 != nil {
		return netip.AddrFrom4([4]byte(v4)), true
	}
	return netip.AddrFromSlice(ip)
}
