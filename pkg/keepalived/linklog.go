package keepalived

import (
	"bufio"
	"strings"
)

// LinkReport is one "Netlink reports vrrp.7 down" line of keepalived's
// log: keepalived logs it when a link message it read changes what it
// believes of an interface some instance tracks (up means IFF_UP and
// IFF_RUNNING). A message that changes nothing is not logged, so the
// reports are keepalived's belief, not every message it read.
type LinkReport struct {
	Interface string
	Up        bool
}

// LinkReports are the link reports in a piece of keepalived's log, in
// order. Lines it does not recognise are skipped.
func LinkReports(log string) []LinkReport {
	var out []LinkReport
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		_, rest, ok := strings.Cut(sc.Text(), "Netlink reports ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || (f[1] != "up" && f[1] != "down") {
			continue
		}
		out = append(out, LinkReport{Interface: f[0], Up: f[1] == "up"})
	}
	return out
}
