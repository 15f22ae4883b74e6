package target

import "fmt"

// BIRD is BIRD 2, a routing daemon that follows links, addresses and
// routes over one netlink socket: no VRRP. Each VRID of the scenario is a
// macvlan on the flapped interface, and an "instance" recovers when BIRD
// believes its macvlan up again (its control socket's "show interfaces").
const BIRD Name = "bird"

var bird = Traits{
	Name:          BIRD,
	Summary:       "BIRD 2, judged by its own view of the links (no VRRP)",
	Outside:       true,
	NoVRRP:        "BIRD speaks no VRRP: each VRID is a macvlan it follows, and nothing answers on the peer's side",
	NeedsMacvlans: "BIRD makes no links: each VRID is a macvlan the lab makes, whose state BIRD must follow",
	Forced:        true,
	Rescans:       true,
	Owner:         "BIRD's",
	Setting: func(request int64, _, dflt bool) string {
		if dflt {
			return "BIRD's default buffer (no netlink rx buffer: net.core.rmem_default)"
		}
		return fmt.Sprintf("netlink rx buffer %d (SO_RCVBUFFORCE)", request)
	},
	Paste: func(request int64) Paste {
		return Paste{Where: "each kernel protocol of bird.conf", Lines: []string{fmt.Sprintf("netlink rx buffer %d;", request)}}
	},
}
