package lab

import (
	"errors"
	"net/netip"
	"testing"
)

func TestNewPlan(t *testing.T) {
	tests := []struct {
		name       string
		spec       Spec
		interfaces int
		lastVRID   uint8
		lastVMAC   string
		lastIf     string
	}{
		{"one instance", Spec{RunID: "a1", Instances: 1}, 1, 1, "", "eth2"},
		{"the incident: 255 on eth2", Spec{RunID: "a1", Instances: 255, VMAC: true}, 1, 255, "vrrp.255", "eth2"},
		{"256 spills to eth3", Spec{RunID: "a1", Instances: 256, VMAC: true}, 2, 1, "vrrp3.1", "eth3"},
		{"the maximum", Spec{RunID: "a1", Instances: MaxInstances, VMAC: true}, MaxInterfaces, 255, "vrrp17.255", "eth17"},
		{"255 over 4 interfaces: 64, 64, 64, 63", Spec{RunID: "a1", Instances: 255, Interfaces: 4, VMAC: true}, 4, 63, "vrrp5.63", "eth5"},
		{"256 over 2 asked for: 128 each", Spec{RunID: "a1", Instances: 256, Interfaces: 2}, 2, 128, "", "eth3"},
		{"10 over 3: 4, 3, 3", Spec{RunID: "a1", Instances: 10, Interfaces: 3}, 3, 3, "", "eth4"},
		{"one per interface", Spec{RunID: "a1", Instances: 16, Interfaces: 16}, 16, 1, "", "eth17"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := NewPlan(tt.spec)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Interfaces) != tt.interfaces || len(p.Instances) != tt.spec.Instances {
				t.Fatalf("%d interfaces, %d instances; want %d, %d", len(p.Interfaces), len(p.Instances), tt.interfaces, tt.spec.Instances)
			}
			if names := p.InterfaceNames(); len(names) != tt.interfaces || names[0] != "eth2" {
				t.Fatalf("interface names %v, want %d from eth2", names, tt.interfaces)
			}
			last := p.Instances[len(p.Instances)-1]
			if last.VRID != tt.lastVRID || last.VMAC != tt.lastVMAC || p.Interfaces[last.Interface].Name != tt.lastIf {
				t.Fatalf("last instance = VRID %d VMAC %q on %s; want %d %q %s",
					last.VRID, last.VMAC, p.Interfaces[last.Interface].Name, tt.lastVRID, tt.lastVMAC, tt.lastIf)
			}
			seen := map[string]bool{}
			for _, in := range p.Instances {
				if in.VMAC != "" {
					if len(in.VMAC) > 15 {
						t.Fatalf("VMAC name %q longer than IFNAMSIZ-1", in.VMAC)
					}
					if seen[in.VMAC] {
						t.Fatalf("VMAC name %q used twice", in.VMAC)
					}
					seen[in.VMAC] = true
					if in.VMACAddr[5] != in.VRID || in.VMACAddr.String()[:14] != "00:00:5e:00:01" {
						t.Fatalf("VMAC %s has MAC %s for VRID %d", in.VMAC, in.VMACAddr, in.VRID)
					}
				}
			}
		})
	}
}

func TestSpecValidate(t *testing.T) {
	for name, s := range map[string]Spec{
		"zero instances":                 {Instances: 0},
		"more interfaces than instances": {Instances: 3, Interfaces: 4},
		"too few interfaces":             {Instances: 300, Interfaces: 1},
		"too many interfaces":            {Instances: 1000, Interfaces: MaxInterfaces + 1},
		"too many":                       {Instances: MaxInstances + 1},
		"negative":                       {Instances: -1},
		"bad family":                     {Instances: 1, Family: 5},
		"run id w/ dash":                 {Instances: 1, RunID: "a-b"},
		"run id too long":                {Instances: 1, RunID: "abcdefghijklm"},
		"run id upper":                   {Instances: 1, RunID: "ABC"},
		"macvlan mode without VMACs":     {Instances: 1, VMACMode: MacvlanBridge},
		"random link-local without VMAC": {Instances: 1, VMACRandomLinkLocal: true},
		"unknown macvlan mode":           {Instances: 1, VMAC: true, VMACMode: 3},
		"addresses without VMACs":        {Instances: 1, VMACVIPs: 1},
		"negative addresses per VMAC":    {Instances: 1, VMAC: true, VMACVIPs: -1},
		"more addresses than the plan":   {Instances: 255, VMAC: true, VMACVIPs: 255},
		"no IPv6 without VMACs":          {Instances: 1, VMACNoIPv6: true},
		"no IPv6 for IPv6 instances":     {Instances: 1, VMAC: true, VMACNoIPv6: true, Family: 6},
		"no IPv6 and a link-local style": {Instances: 1, VMAC: true, VMACNoIPv6: true, VMACRandomLinkLocal: true},
	} {
		t.Run(name, func(t *testing.T) {
			if err := s.Validate(); !errors.Is(err, ErrInvalidSpec) {
				t.Fatalf("Validate() = %v, want ErrInvalidSpec", err)
			}
		})
	}
}

func TestNamespaceNames(t *testing.T) {
	n := NamespaceName("3fa9c1", RoleSubject)
	if n != "nls-3fa9c1-subject" {
		t.Fatalf("NamespaceName = %q", n)
	}
	if id, ok := ParseNamespaceName(n); !ok || id != "3fa9c1" {
		t.Fatalf("ParseNamespaceName(%q) = %q, %v", n, id, ok)
	}
	for _, bad := range []string{"nls-", "foo-3fa9c1-peer", "nls-3fa9c1", "nls-3f-a9-peer"} {
		if _, ok := ParseNamespaceName(bad); ok {
			t.Errorf("ParseNamespaceName(%q) accepted", bad)
		}
	}
	if a, b := NewRunID(), NewRunID(); a == b || !runIDPattern.MatchString(a) {
		t.Fatalf("NewRunID gave %q and %q", a, b)
	}
}

func TestVIP(t *testing.T) {
	seen := map[netip.Addr]bool{}
	for i := range 4080 {
		for j := range 15 {
			if i*15+j >= MaxVIPs {
				continue
			}
			a := VIP(4, i, j, 15)
			b := a.As4()
			if b[0] != 198 || b[1] != 19 || b[3] == 0 || b[3] == 255 {
				t.Fatalf("VIP(4,%d,%d) = %s", i, j, a)
			}
			if seen[a] {
				t.Fatalf("VIP %s handed out twice", a)
			}
			seen[a] = true
		}
	}
	if got := VIP(6, 0, 0, 1).String(); got != "2001:db8:1::1" {
		t.Fatalf("VIP(6,0,0,1) = %s", got)
	}
	if got := broadcast(netip.MustParsePrefix("198.18.3.1/24")).String(); got != "198.18.3.255" {
		t.Fatalf("broadcast = %s", got)
	}
}
