package vrrp

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Config is one virtual router instance's configuration.
type Config struct {
	VRID     uint8 // 1..255
	Priority uint8 // 1..255; 255 means address owner
	Version  int   // 2 or 3
	// AdvertisementInterval is how often the master advertises:
	// 10 ms to 40.95 s in centiseconds for v3, whole seconds for v2.
	AdvertisementInterval time.Duration
	// Preempt lets a higher-priority backup take over from a lower-priority
	// master (RFC 5798 Preempt_Mode; default true).
	Preempt bool
	// Primary is this router's primary address on the interface: the
	// advertisement's source and the tie-breaker (RFC 5798 §6.4.3).
	Primary netip.Addr
	// Addrs are the virtual addresses.
	Addrs []netip.Addr
	// AuthType and AuthData are VRRPv2's authentication (RFC 3768 §5.3.6).
	AuthType uint8
	AuthData [8]byte
}

// ErrConfig is wrapped by Config.Validate's errors.
var ErrConfig = errors.New("invalid VRRP instance")

// Validate reports the first impossible setting.
func (c *Config) Validate() error {
	switch {
	case c.VRID == 0:
		return fmt.Errorf("%w: VRID 0: want 1 to 255", ErrConfig)
	case c.Priority == 0:
		return fmt.Errorf("%w: VRID %d: priority 0 is reserved for resigning", ErrConfig, c.VRID)
	case c.Version != 2 && c.Version != 3:
		return fmt.Errorf("%w: VRID %d: version %d: want 2 or 3", ErrConfig, c.VRID, c.Version)
	case !c.Primary.IsValid():
		return fmt.Errorf("%w: VRID %d: no primary address", ErrConfig, c.VRID)
	case c.Version == 2 && c.Primary.Is6():
		return fmt.Errorf("%w: VRID %d: VRRPv2 is IPv4 only", ErrConfig, c.VRID)
	case len(c.Addrs) > maxAddrs:
		return fmt.Errorf("%w: VRID %d: %d virtual addresses, at most %d", ErrConfig, c.VRID, len(c.Addrs), maxAddrs)
	}
	if err := CheckAdvertisementInterval(c.Version, c.AdvertisementInterval); err != nil {
		return fmt.Errorf("%w: VRID %d: advertisement interval %v: %w", ErrConfig, c.VRID, c.AdvertisementInterval, err)
	}
	for _, a := range c.Addrs {
		if a.Is4() != c.Primary.Is4() {
			return fmt.Errorf("%w: VRID %d: virtual address %s is not of the primary's family", ErrConfig, c.VRID, a)
		}
	}
	return nil
}

// CheckAdvertisementInterval reports whether d can be sent as version's
// Adver Int: VRRPv3 carries 12 bits of centiseconds (10ms to 40.95s in
// steps of 10ms, RFC 5798 §5.2.7), VRRPv2 8 bits of seconds (1s to 255s,
// RFC 3768 §5.3.7). The error says the rule.
func CheckAdvertisementInterval(version int, d time.Duration) error {
	switch {
	case version == 3 && (d < 10*time.Millisecond || d > maxAdverCS*10*time.Millisecond || d%(10*time.Millisecond) != 0):
		return errors.New("VRRPv3 takes 10ms to 40.95s in steps of 10ms")
	case version == 2 && (d < time.Second || d > 255*time.Second || d%time.Second != 0):
		return errors.New("VRRPv2 takes whole seconds, 1s to 255s")
	}
	return nil
}

// Owner reports whether this router owns the virtual addresses.
func (c *Config) Owner() bool { return c.Priority == PriorityOwner }

// Advertisement is the packet this instance sends, with the given priority
// (its own, or PriorityResign).
func (c *Config) Advertisement(priority uint8) Packet {
	return Packet{
		Version: c.Version, VRID: c.VRID, Priority: priority,
		AdvertInterval: c.AdvertisementInterval, AuthType: c.AuthType, AuthData: c.AuthData,
		Addrs: c.Addrs,
	}
}

// Check applies the receive checks of RFC 5798 §7.1 (and RFC 3768 §7.1 for
// v2) that depend on this instance's configuration, and returns a
// *DiscardError for a packet to drop. The caller has already matched the
// VRID.
func (c *Config) Check(p Packet) error {
	if p.Version != c.Version {
		return discard(ReasonVersion, "VRID %d: version %d, configured %d", c.VRID, p.Version, c.Version)
	}
	if c.Owner() {
		// RFC 5798 §7.1: the local router must not be the address owner.
		return discard(ReasonOwner, "VRID %d: we own the addresses", c.VRID)
	}
	if p.Version == 2 {
		if p.AuthType != c.AuthType || (c.AuthType == AuthSimple && p.AuthData != c.AuthData) {
			return discard(ReasonAuth, "VRID %d: authentication differs", c.VRID)
		}
		if p.AdvertInterval != c.AdvertisementInterval {
			return discard(ReasonAdvertInterval, "VRID %d: interval %v, configured %v", c.VRID, p.AdvertInterval, c.AdvertisementInterval)
		}
	}
	for _, a := range p.Addrs {
		if a.Is4() != c.Primary.Is4() {
			return discard(ReasonFamily, "VRID %d: address %s", c.VRID, a)
		}
	}
	// RFC 3768 §7.1 (v2): a list that differs is dropped unless it comes
	// from the owner. RFC 5798 §7.1 (v3) makes that check optional and
	// says a mismatch SHOULD be logged: the packet is processed, and the
	// caller counts and logs it (AddrListDiffers), as keepalived does.
	if p.Version == 2 && c.AddrListDiffers(p) {
		return discard(ReasonAddrList, "VRID %d: %d addresses differ from the %d configured", c.VRID, len(p.Addrs), len(c.Addrs))
	}
	return nil
}

// AddrListDiffers reports whether p's address list differs, as a set, from
// the configured one, from a sender that is not the owner: in v3 a packet
// that passes Check with this set is to be logged as misconfigured.
func (c *Config) AddrListDiffers(p Packet) bool {
	return p.Priority != PriorityOwner && !sameAddrs(p.Addrs, c.Addrs)
}

// sameAddrs compares address lists as sets.
func sameAddrs(a, b []netip.Addr) bool {
	if len(a) != len(b) {
		return false
	}
	in := make(map[netip.Addr]int, len(a))
	for _, x := range a {
		in[x]++
	}
	for _, x := range b {
		if in[x] == 0 {
			return false
		}
		in[x]--
	}
	return true
}
