package lab

import (
	"github.com/jsimonetti/rtnetlink/v2"
	"github.com/mdlayher/netlink"
)

// iflaMacvlanMode is IFLA_MACVLAN_MODE inside IFLA_INFO_DATA.
const iflaMacvlanMode = 1

// macvlan is the rtnetlink.LinkDriver for a macvlan link: rtnetlink/v2 has
// none. The parent goes in LinkAttributes.Type, which rtnetlink encodes as
// IFLA_LINK.
type macvlan struct {
	Mode MacvlanMode
}

var _ rtnetlink.LinkDriver = (*macvlan)(nil)

func (*macvlan) New() rtnetlink.LinkDriver { return &macvlan{} }
func (*macvlan) Kind() string              { return "macvlan" }

func (m *macvlan) Encode(ae *netlink.AttributeEncoder) error {
	ae.Uint32(iflaMacvlanMode, uint32(m.Mode))
	return nil
}

func (m *macvlan) Decode(ad *netlink.AttributeDecoder) error {
	for ad.Next() {
		if ad.Type() == iflaMacvlanMode {
			m.Mode = MacvlanMode(ad.Uint32())
		}
	}
	return ad.Err()
}
