package replay

import (
	"fmt"
	"net/netip"
	"strings"
)

// ParseAddresses reads --interface-address: "eth2=10.0.0.1/16" items,
// comma-separated; an interface may be named more than once.
func ParseAddresses(s string) (map[string][]netip.Prefix, error) {
	out := map[string][]netip.Prefix{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, item := range strings.Split(s, ",") {
		name, addr, ok := strings.Cut(strings.TrimSpace(item), "=")
		p, err := netip.ParsePrefix(addr)
		if !ok || name == "" || err != nil {
			return nil, fmt.Errorf("%w: --interface-address %q: want NAME=ADDRESS/PREFIX, e.g. eth2=10.0.0.1/16", ErrReplay, item)
		}
		out[name] = append(out[name], p)
	}
	return out, nil
}
