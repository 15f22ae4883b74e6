// Package scenario describes one stress run: how many VRRP instances, on
// what kind of lab, with which monitor buffer. It is pure: it validates and
// fills in defaults, and never touches the system. Package stress runs it.
package scenario

import (
	"errors"
	"fmt"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

// MaxVRIDs is the largest number of VRRP instances a run can have: 255 per
// interface on up to MaxInterfaces interfaces (the lab's own limits).
const (
	MaxInterfaces = 16
	MaxVRIDs      = MaxInterfaces * 255
)

// ErrInvalid is wrapped by every validation error: bad input, exit code 2.
var ErrInvalid = errors.New("invalid scenario")

// KeepalivedDefaultRcvBuf is keepalived's default monitor buffer request
// (64 KiB); the kernel doubles it to 131072.
const KeepalivedDefaultRcvBuf = 64 * bytesize.KiB

// Scenario is the options of one run.
type Scenario struct {
	// VRIDs is the number of VRRP instances, 1..MaxVRIDs, spread
	// 255 per interface.
	VRIDs int `json:"vrids"`
	// VMAC gives every subject instance its own macvlan, as use_vmac does.
	VMAC bool `json:"vmac"`
	// Family is the VRRP address family, 4 or 6.
	Family int `json:"family"`
	// RcvBuf is the receive buffer the subject's monitor asks for, before
	// the kernel doubles it.
	RcvBuf bytesize.Size `json:"rcvbuf"`
	// Force sets RcvBuf with SO_RCVBUFFORCE, ignoring net.core.rmem_max,
	// as keepalived's vrrp_netlink_monitor_rcv_bufs_force does.
	Force bool `json:"force"`
	// KeepLab leaves the lab in place after the run, for inspection.
	KeepLab bool `json:"keep_lab,omitempty"`
}

// Default is the scenario that "nlstress run" runs with no flags: the
// incident's 255 VRIDs on eth2, with keepalived's default buffer.
func Default() Scenario {
	return Scenario{VRIDs: 255, Family: 4, RcvBuf: KeepalivedDefaultRcvBuf, Force: true}
}

// Validate reports the first impossible value as a one-line error wrapping
// ErrInvalid.
func (s Scenario) Validate() error {
	if s.VRIDs < 1 || s.VRIDs > MaxVRIDs {
		return fmt.Errorf("%w: --vrids %d: want 1 to %d (255 per interface, up to %d interfaces)",
			ErrInvalid, s.VRIDs, MaxVRIDs, MaxInterfaces)
	}
	if s.Family != 4 && s.Family != 6 {
		return fmt.Errorf("%w: --family %d: want 4 or 6", ErrInvalid, s.Family)
	}
	if s.RcvBuf < 1 || s.RcvBuf > bytesize.Max {
		return fmt.Errorf("%w: --rcvbuf %d: want 1 to %d bytes", ErrInvalid, int64(s.RcvBuf), int64(bytesize.Max))
	}
	return nil
}
