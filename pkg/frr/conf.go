package frr

import (
	"bufio"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
)

// ConfRouter is one "vrrp VRID" of a frr.conf, as vrrpd would run it:
// under its interface, with its version and the addresses of each family.
// Each family with an address needs a macvlan of its own (00:00:5e:00:01:
// VRID for IPv4, :02: for IPv6).
type ConfRouter struct {
	Interface string `json:"interface"`
	VRID      uint8  `json:"vrid"`
	Version   int    `json:"version"` // 3 unless "version 2"
	V4        int    `json:"ipv4_addresses"`
	V6        int    `json:"ipv6_addresses"`
}

// Macvlans is how many macvlans the router needs: one per family that
// has an address.
func (r ConfRouter) Macvlans() int {
	n := 0
	if r.V4 > 0 {
		n++
	}
	if r.V6 > 0 {
		n++
	}
	return n
}

// ReadConf reads the VRRP part of a frr.conf (or vrrpd.conf).
func ReadConf(path string) ([]ConfRouter, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("frr configuration: %w", err)
	}
	defer f.Close()
	rs, err := ParseConf(bufio.NewScanner(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rs, nil
}

// ParseConf reads the "vrrp" lines of a frr.conf's interface blocks:
// "interface NAME [vrf VRF]" opens a block, "exit" or an unindented line
// closes it, "!" is a comment. Other commands are skipped: vrrpd's own
// parser is the judge of them. A vrrp line outside an interface, or with a
// VRID outside 1..255 or an address that does not parse, is an error
// naming its line.
func ParseConf(sc *bufio.Scanner) ([]ConfRouter, error) {
	var out []ConfRouter
	index := map[string]int{} // "ifname/vrid" → position in out
	ifname := ""
	for n := 1; sc.Scan(); n++ {
		raw := sc.Text()
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "!") {
			continue
		}
		f := strings.Fields(line)
		indented := raw != strings.TrimLeft(raw, " \t")
		switch {
		case f[0] == "interface" && len(f) >= 2:
			ifname = f[1]
			continue
		case f[0] == "exit" || f[0] == "exit-vrf":
			ifname = ""
			continue
		case !indented && f[0] != "vrrp":
			ifname = ""
			continue
		case f[0] != "vrrp" || len(f) < 2:
			continue
		}
		if f[1] == "default" || f[1] == "autoconfigure" {
			continue // global commands, not routers
		}
		if ifname == "" {
			return nil, fmt.Errorf("line %d: %q outside an interface block", n, line)
		}
		vrid, err := strconv.Atoi(f[1])
		if err != nil || vrid < 1 || vrid > 255 {
			return nil, fmt.Errorf("line %d: %q: VRID %q, want 1 to 255", n, line, f[1])
		}
		key := ifname + "/" + f[1]
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, ConfRouter{Interface: ifname, VRID: uint8(vrid), Version: 3})
		}
		r := &out[i]
		if len(f) < 4 {
			continue // "vrrp 5", "vrrp 5 preempt", "vrrp 5 shutdown"
		}
		switch f[2] {
		case "version":
			if v, err := strconv.Atoi(f[3]); err == nil {
				r.Version = v
			}
		case "ip", "ipv6":
			if _, err := netip.ParseAddr(f[3]); err != nil {
				return nil, fmt.Errorf("line %d: %q: %v", n, line, err)
			}
			if f[2] == "ip" {
				r.V4++
			} else {
				r.V6++
			}
		}
	}
	return out, sc.Err()
}
