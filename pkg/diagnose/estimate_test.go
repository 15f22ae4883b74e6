package diagnose

import (
	"fmt"
	"testing"

	"github.com/nlstress/nlstress/pkg/kaconf"
)

func TestVIPRoutes(t *testing.T) {
	for _, tt := range []struct {
		vip  string
		want int
	}{
		{"198.19.0.1/32", 1},
		{"198.19.0.1", 1},
		{"10.0.0.1/24 dev eth2 brd +", 3},
		{"2001:db8::1/128", 1},
		{"2001:db8::1/64 dev eth2", 2},
		{"", 0},
	} {
		if got := vipRoutes(tt.vip); got != tt.want {
			t.Errorf("vipRoutes(%q) = %d, want %d", tt.vip, got, tt.want)
		}
	}
}

// The shape issue 11 measured: 255 instances on eth2, 4 VIPs and 2
// virtual routes each, no VMAC. With virtual routes keepalived listens to
// the route groups, and each VIP brings its local route: the storm of one
// transition was 2556 messages, 2130432 bytes of truesize (nlstress run
// --vrids 255 --vips-per-vrid 4 --routes-per-vrid 2 --rcvbuf 4M),
// and keepalived 2.2.7 lost 144 messages at a forced 790528 while
// 1000000 lost none. The estimate must cover the storm, and the advice
// must not fall below what passed.
func TestEstimateCountsTheRoutesVIPsBring(t *testing.T) {
	var c kaconf.Config
	for i := 1; i <= 255; i++ {
		in := kaconf.Instance{Name: fmt.Sprintf("VI_%d", i), Interface: "eth2", VRID: i}
		for j := range 4 {
			in.VIPs = append(in.VIPs, fmt.Sprintf("198.19.%d.%d/32", j, i))
		}
		in.Routes = []string{fmt.Sprintf("10.%d.0.0/24 via 192.168.2.2", i), fmt.Sprintf("10.%d.1.0/24 via 192.168.2.2", i)}
		c.Instances = append(c.Instances, in)
	}
	e := EstimateStorm(c, 4194304)
	if e.VIPRoutes != 1020 {
		t.Errorf("VIP routes %d, want 1020 (one local route per /32)", e.VIPRoutes)
	}
	const measured = 2_130_432
	if e.Storm < measured || float64(e.Storm) > 1.5*measured {
		t.Errorf("storm estimate %d, want between the measured %d and 1.5 times it", e.Storm, measured)
	}
	if e.Recommendation.Request < 1_000_000 {
		t.Errorf("advice %d: below the 1000000 that lost nothing (790528 lost 144 messages)", e.Recommendation.Request)
	}
}
