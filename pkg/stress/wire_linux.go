package stress

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// newWireSubject watches the lab's subject addresses on the wire, with the
// silence of a Master_Down_Interval of the peer: the interfaces' own and
// the link-local addresses of the lab's VMACs (FRR's vrrpd advertises over
// IPv6 from its macvlan's).
func newWireSubject(sc scenario.Scenario, l *lab.Lab) (*wireSubject, error) {
	var from []netip.Addr
	for _, ifc := range l.Interfaces {
		for _, p := range []netip.Prefix{ifc.Subject, ifc.Subject6, ifc.SubjectLL} {
			if p.IsValid() {
				from = append(from, p.Addr())
			}
		}
	}
	vmac := map[uint32]bool{}
	for _, in := range l.Instances {
		if in.VMACIndex != 0 {
			vmac[in.VMACIndex] = true
		}
	}
	if len(vmac) > 0 {
		addrs, err := l.Subject.Conn.Address.List()
		if err != nil {
			return nil, fmt.Errorf("list the subject's addresses: %w", err)
		}
		for _, a := range addrs {
			if ip, ok := netip.AddrFromSlice(a.Attributes.Address); ok && vmac[a.Index] && ip.Unmap().IsLinkLocalUnicast() {
				from = append(from, ip.Unmap())
			}
		}
	}
	return newWireObserver(len(l.Instances), from, sc.MasterDownInterval(peerPriority), wirePoll(sc.AdvertInterval), time.Now), nil
}

// wirePoll is how often a wait on the wire's view looks: four times an
// advertisement interval, so a transition is seen within a quarter of
// one, and never more often than every 5 ms.
func wirePoll(advert time.Duration) time.Duration {
	return max(advert/4, 5*time.Millisecond)
}
