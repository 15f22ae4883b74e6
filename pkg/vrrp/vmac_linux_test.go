package vrrp

import (
	"bytes"
	"context"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// TestVMACAdvertsCarryTheVirtualMAC runs VMAC instances and captures, in
// the peer namespace, the Ethernet frames of their advertisements: each
// must leave from 00:00:5e:00:01:<vrid> (RFC 5798 §7.3), sent out of its
// macvlan.
func TestVMACAdvertsCarryTheVirtualMAC(t *testing.T) {
	roottest.Require(t)
	const n = 4
	l, err := lab.Build(context.Background(), lab.Spec{Instances: n, VMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	ifc := l.Interfaces[0]
	// Capture on the peer's eth2 before the routers start.
	var fd int
	err = l.Peer.NS.Do(func() error {
		var err error
		fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_IP)))
		if err != nil {
			return err
		}
		tv := unix.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: int(ifc.Index)})
	})
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var specs []InstanceSpec
	for _, in := range l.Instances {
		specs = append(specs, InstanceSpec{Interface: ifc.Index, VMAC: in.VMACIndex, Config: Config{VRID: in.VRID, Priority: 200, Version: 3,
			AdvertisementInterval: 100 * time.Millisecond, Preempt: true, Primary: ifc.Subject.Addr(), Addrs: []netip.Addr{lab.VIP(4, in.Index, 0, 1)}}})
	}
	r, err := NewRouter(RouterConfig{Name: "subject", NS: l.Subject.NS, Instances: specs, Track: true})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	defer func() { cancel(); <-done }()

	seen := map[uint8]bool{}
	deadline := time.Now().Add(10 * time.Second)
	buf := make([]byte, 2048)
	for len(seen) < n {
		if time.Now().After(deadline) {
			t.Fatalf("saw adverts from the virtual MAC of %d of %d VRIDs", len(seen), n)
		}
		k, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil || k < 14+20+8 || buf[14+9] != Protocol {
			continue // a timeout, or not VRRP
		}
		ihl := int(buf[14]&0x0f) * 4
		vrid := buf[14+ihl+1]
		want := lab.VirtualMAC(4, vrid)
		if !bytes.Equal(buf[6:12], want) {
			t.Fatalf("VRID %d advert from %x, want the virtual MAC %s", vrid, buf[6:12], want)
		}
		if !bytes.Equal(buf[0:6], []byte{0x01, 0x00, 0x5e, 0x00, 0x00, 0x12}) {
			t.Fatalf("VRID %d advert to %x, want 01:00:5e:00:00:12 (224.0.0.18)", vrid, buf[0:6])
		}
		seen[vrid] = true
	}
}
