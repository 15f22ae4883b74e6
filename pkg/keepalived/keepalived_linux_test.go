package keepalived

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/netns"
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

// keepalived -t exits 5 on a keyword it only calls deprecated, and the
// daemon reads and runs it: Start's check lets such a configuration
// through, as CheckLines lets the line through, and still refuses one
// with any other complaint.
func TestCheckConfigDeprecation(t *testing.T) {
	roottest.RequireKeepalived(t)
	bin, err := Binary("")
	if err != nil {
		t.Fatal(err)
	}
	ns, err := netns.NewAnonymous()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	if err := ns.Do(exec.Command("ip", "link", "add", "nls-eth0", "type", "veth", "peer", "name", "nls-eth1").Run); err != nil {
		t.Fatalf("veth in the namespace: %v", err)
	}
	tests := []struct {
		name, line string
		ok         bool
	}{
		{"no added line", "", true},
		{"deprecated instance keyword", "linkbeat_use_polling", true},
		{"unknown keyword", "frobnicate", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := filepath.Join(t.TempDir(), "keepalived.conf")
			text := "global_defs {\n  router_id nls-test\n}\nvrrp_instance VI_1 {\n  state BACKUP\n  interface nls-eth0\n  virtual_router_id 1\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    198.18.0.1/32\n  }\n  " + tt.line + "\n}\n"
			if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			said, err := checkConfig(ns, bin, conf)
			switch {
			case tt.ok && err != nil:
				t.Fatalf("refused: %v", err)
			case !tt.ok && (err == nil || !errors.Is(err, ErrStart) || !strings.Contains(said, tt.line)):
				t.Fatalf("err %v, said %q: want a refusal naming %q", err, said, tt.line)
			}
		})
	}
}

func TestOnlyDeprecations(t *testing.T) {
	for _, tt := range []struct {
		out  string
		want bool
	}{
		{"", false},
		{"(/x.conf: Line 13) (VI_1) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block\n", true},
		{"(Line 3) Unknown keyword 'bogus'\n(Line 4) 'x' deprecated\n", false},
	} {
		if got := onlyDeprecations(tt.out); got != tt.want {
			t.Errorf("onlyDeprecations(%q) = %v, want %v", tt.out, got, tt.want)
		}
	}
}
