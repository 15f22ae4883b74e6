package vrrp

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// capture opens an AF_PACKET socket for one EtherType on the peer's eth2.
func capture(t *testing.T, l *lab.Lab, ethertype uint16) int {
	t.Helper()
	var fd int
	err := l.Peer.NS.Do(func() error {
		var err error
		if fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(ethertype))); err != nil {
			return err
		}
		tv := unix.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(ethertype), Ifindex: int(l.Interfaces[0].Index)})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// TestNewMasterAnnouncesItsAddresses checks RFC 5798 §6.4.1: a router
// that becomes master announces each virtual address, by gratuitous ARP
// (IPv4) or unsolicited neighbour advertisement (IPv6), from the
// instance's virtual MAC.
func TestNewMasterAnnouncesItsAddresses(t *testing.T) {
	roottest.Require(t)
	for _, family := range []int{4, 6} {
		t.Run(fmt.Sprintf("IPv%d", family), func(t *testing.T) {
			l, err := lab.Build(context.Background(), lab.Spec{Instances: 1, VMAC: true, Family: family})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Teardown() })
			ifc, in := l.Interfaces[0], l.Instances[0]
			ethertype, primary := uint16(unix.ETH_P_ARP), ifc.Subject.Addr()
			if family == 6 {
				ethertype, primary = unix.ETH_P_IPV6, ifc.SubjectLL.Addr()
			}
			fd := capture(t, l, ethertype)
			vip := lab.VIP(family, 0, 0, 1)
			r, err := NewRouter(RouterConfig{Name: "subject", NS: l.Subject.NS, Track: true, Instances: []InstanceSpec{{
				Interface: ifc.Index, VMAC: in.VMACIndex, Config: Config{VRID: in.VRID, Priority: PriorityOwner, Version: 3,
					AdvertisementInterval: 100 * time.Millisecond, Primary: primary, Addrs: []netip.Addr{vip}}}}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- r.Run(ctx) }() // priority 255: master at once (§6.4.1)
			defer func() { cancel(); <-done }()
			buf := make([]byte, 2048)
			deadline := time.Now().Add(5 * time.Second)
			for {
				if time.Now().After(deadline) {
					t.Fatalf("no announcement of %s within 5s", vip)
				}
				n, _, err := unix.Recvfrom(fd, buf, 0)
				if err != nil || !bytes.Equal(buf[6:12], in.VMACAddr) {
					continue
				}
				f := buf[14:n]
				if family == 4 && len(f) >= 28 && f[7] == 1 && bytes.Equal(f[14:18], vip.AsSlice()) && bytes.Equal(f[24:28], vip.AsSlice()) {
					return // ARP request, sender and target the VIP
				}
				if family == 6 && len(f) >= 40+24 && f[6] == 58 && f[40] == 136 && bytes.Equal(f[48:64], vip.AsSlice()) && f[7] == 255 {
					return // neighbour advertisement for the VIP, hop limit 255
				}
			}
		})
	}
}
