package kaconf

import "testing"

func TestRouteTrackedAndFamily(t *testing.T) {
	for _, tt := range []struct {
		route   string
		tracked bool
		family  int
	}{
		{"10.9.0.0/24 via 10.0.0.254 dev eth2", true, 4},
		{"10.9.0.0/24 via 10.0.0.254", false, 4}, // "cannot track route ... with no interface specified"
		{"10.9.0.0/24 via 10.0.0.254 dev eth2 no_track", false, 4},
		{"fd00:9::/64 via fd00::1 dev eth2", true, 6},
		{"src 10.0.0.1 10.9.0.0/24 dev eth2", true, 4},
		{"blackhole fd00:9::/64", false, 6},
		{"inet6 default via fe80::1 dev eth2", true, 6},
		{"10.9.0.0/24 nexthop via 10.0.0.254 dev eth2", false, 4}, // a nexthop's dev is not the route's
		{"default via 10.0.0.254 dev eth2", true, 4},
	} {
		if got := RouteTracked(tt.route); got != tt.tracked {
			t.Errorf("RouteTracked(%q) = %v, want %v", tt.route, got, tt.tracked)
		}
		if got := RouteFamily(tt.route); got != tt.family {
			t.Errorf("RouteFamily(%q) = %d, want %d", tt.route, got, tt.family)
		}
	}
	for _, tt := range []struct {
		rule    string
		tracked bool
		family  int
	}{
		{"from 10.2.1.0/24 table 101", true, 4},
		{"from 10.2.1.0/24 table 101 no_track", false, 4},
		{"to fd00::/64 table 101", true, 6},
		{"inet6 fwmark 1 table 7", true, 6},
		{"fwmark 1 table 7", true, 4},
	} {
		if got := RuleTracked(tt.rule); got != tt.tracked {
			t.Errorf("RuleTracked(%q) = %v, want %v", tt.rule, got, tt.tracked)
		}
		if got := RuleFamily(tt.rule); got != tt.family {
			t.Errorf("RuleFamily(%q) = %d, want %d", tt.rule, got, tt.family)
		}
	}
}
