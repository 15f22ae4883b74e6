package scenario

import (
	"math"

	"github.com/nlstress/nlstress/pkg/bytesize"
)

// Upper bounds on what one object adds to one phase's storm, in bytes of
// skb truesize: about twice what the oracle measures on kernel 6.x
// (RTM_NEWLINK about 2.3 KB; an address message about 0.83 KB, and with
// the route groups its local and broadcast routes; a route or rule about
// 0.8 KB). They size the oracle, never advice.
const (
	boundPerVMAC      = 6 << 10
	boundPerVIP       = 4 << 10
	boundPerRoute     = 2 << 10
	boundPerInterface = 32 << 10
)

// OracleMaxRcvBuf is the largest buffer the kernel grants a socket, after
// doubling: SO_RCVBUFFORCE takes at most INT_MAX/2.
const OracleMaxRcvBuf = int64(math.MaxInt32/2) * 2

// StormBound is an upper bound, in bytes of truesize, on the storm one
// link transition of this scenario can make: every VMAC, VIP, route and
// interface at twice its measured size. Both link transitions of a flap
// can land in one oracle window, hence 2 in OracleRcvBuf.
func (s Scenario) StormBound() int64 {
	per := int64(boundPerVIP*s.VIPsPerVRID + boundPerRoute*s.RoutesPerVRID)
	if s.VMAC {
		per += boundPerVMAC
	}
	interfaces := int64(max(s.Interfaces, s.minInterfaces()))
	return int64(s.VRIDs)*per + interfaces*boundPerInterface
}

// OracleRcvBuf is the buffer to request for the oracle of this scenario:
// room for two transitions' StormBound (the kernel doubles the request),
// at least 32 MiB, at most what the kernel grants. Validate refuses a
// scenario whose bound does not fit. With background churn, whose window
// lasts as long as the instances take to recover, it is the most the
// kernel grants: memory is only used while messages are queued.
func (s Scenario) OracleRcvBuf() bytesize.Size {
	if s.Churns() {
		return bytesize.Size(OracleMaxRcvBuf / 2)
	}
	return bytesize.Size(min(max(s.StormBound(), 32<<20), OracleMaxRcvBuf/2))
}
