package keepalived

import (
	"errors"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/roottest"
)

// keepalived itself decides which added lines it takes: a keyword it
// knows at a value it accepts passes; an unknown keyword, or a value it
// corrects, is refused with its own words and the line.
func TestCheckLines(t *testing.T) {
	roottest.RequireKeepalived(t)
	path, err := Binary("")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name             string
		global, instance []string
		want             string // "" accepted
	}{
		{"real-time priority with its limit", []string{"vrrp_rt_priority 50", "vrrp_rlimit_rttime 1000000"}, nil, ""},
		{"polling link state, per instance (deprecated, still read)", nil, []string{"linkbeat_use_polling"}, ""},
		{"polling link state in global_defs: unknown there", []string{"linkbeat_use_polling"}, nil, "Unknown keyword 'linkbeat_use_polling'"},
		{"an instance line", nil, []string{"garp_master_delay 1"}, ""},
		{"an unknown keyword", []string{"vrrp_frobnicate 5"}, nil, `keepalived refuses "vrrp_frobnicate 5": Unknown keyword 'vrrp_frobnicate'`},
		{"a priority above the maximum", []string{"vrrp_rt_priority 500"}, nil, `keepalived refuses "vrrp_rt_priority 500"`},
		{"an unknown instance keyword", nil, []string{"frobnicate"}, `keepalived refuses "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckLines(path, tt.global, tt.instance)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !errors.Is(err, ErrStart) || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err %v, want %q", err, tt.want)
			}
		})
	}
}
