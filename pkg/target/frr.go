package target

import "fmt"

// FRR is FRR's vrrpd, which learns links from zebra: zebra's listening
// socket is the monitor under test, --rcvbuf its --nl-bufsize.
const FRR Name = "frr"

// FRRDefaultNLBufSize is the netlink buffer zebra 8.4 asks for on each
// of its netlink sockets when started without --nl-bufsize: 4 MiB with
// SO_RCVBUFFORCE (RCVBUFSIZE_MIN, zebra/main.c); the kernel doubles it.
// Debian's /etc/frr/daemons starts zebra with -s 90000000 instead.
const FRRDefaultNLBufSize = 4 << 20

var frr = Traits{
	Name:          FRR,
	Summary:       "FRR's zebra and vrrpd",
	Outside:       true,
	Wire:          true,
	NeedsMacvlans: "vrrpd makes no macvlans: it needs them made, in bridge mode with random link-local addresses and its virtual addresses",
	NeedsVIPs:     "FRR's vrrpd starts a virtual router at its first address: --target frr needs at least 1",
	DefaultBuffer: FRRDefaultNLBufSize,
	Forced:        true,
	Owner:         "zebra's listening (netlink-listen)",
	Setting: func(request int64, _, dflt bool) string {
		if dflt {
			return fmt.Sprintf("zebra's default --nl-bufsize (SO_RCVBUFFORCE %d)", request)
		}
		return fmt.Sprintf("zebra --nl-bufsize %d (SO_RCVBUFFORCE)", request)
	},
	Paste: ZebraOption,
}

// ZebraOption is zebra's command-line option for a buffer of request bytes
// (before doubling), never below zebra's own default, which a smaller
// --nl-bufsize would only lower.
func ZebraOption(request int64) Paste {
	p := Paste{Where: "zebra's command line"}
	if request <= FRRDefaultNLBufSize {
		p.Lines = []string{fmt.Sprintf("(no --nl-bufsize: zebra's default, %d, is larger)", FRRDefaultNLBufSize)}
	} else {
		p.Lines = []string{fmt.Sprintf("--nl-bufsize %d", request)}
	}
	return p
}
