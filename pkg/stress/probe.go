package stress

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ParseProbe reads what a --probe printed: the links the daemon believes
// up, one name per line (blank lines ignored), or a JSON array of names.
func ParseProbe(out string) (map[string]bool, error) {
	up := map[string]bool{}
	text := strings.TrimSpace(out)
	if strings.HasPrefix(text, "[") {
		var names []string
		if err := json.Unmarshal([]byte(text), &names); err != nil {
			return nil, fmt.Errorf("the probe printed JSON that is not an array of link names: %v", err)
		}
		for _, n := range names {
			up[n] = true
		}
		return up, nil
	}
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if strings.ContainsAny(l, " \t") {
				return nil, fmt.Errorf("the probe printed %q: want one link name per line", l)
			}
			up[l] = true
		}
	}
	return up, nil
}
