package vrrp

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
)

// setter sets an integer socket option; the first failure is kept and
// the later calls do nothing.
type setter func(level, opt, value int, name string)

// openRaw opens a raw VRRP socket (protocol 112) of network "ip4" or "ip6"
// inside ns, with a forced rcvBufVRRP receive buffer, and lets setup set
// the family's options and join its group. On any error the socket is
// closed.
func openRaw(ns *netns.NS, network string, setup func(fd int, set setter) error) (*net.IPConn, error) {
	var c *net.IPConn
	err := ns.Do(func() error {
		var err error
		c, err = net.ListenIP(fmt.Sprintf("%s:%d", network, Protocol), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("vrrp: open raw %s socket in %s: %w", network, ns.Name(), err)
	}
	rc, err := c.SyscallConn()
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("vrrp: raw %s socket: %w", network, err)
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		set := func(level, opt, v int, name string) {
			if serr == nil {
				if err := unix.SetsockoptInt(int(fd), level, opt, v); err != nil {
					serr = fmt.Errorf("vrrp: set %s: %w", name, err)
				}
			}
		}
		set(unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvBufVRRP, "SO_RCVBUFFORCE")
		if err := setup(int(fd), set); err != nil && serr == nil {
			serr = err
		}
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
