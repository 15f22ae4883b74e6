// Package daemon starts, watches and stops an outside daemon (keepalived,
// FRR's zebra and vrrpd, an --target exec command) inside a lab namespace: in its own
// process group, with its output in a log file, stopped with SIGTERM and
// then SIGKILL under a deadline on every exit path.
package daemon

import "strings"

// Head is the first n non-empty lines of a daemon's output s, trimmed and
// joined with " | ": what an error quotes of a daemon that failed.
func Head(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
			if len(lines) == n {
				break
			}
		}
	}
	if len(lines) == 0 {
		return "(it printed nothing)"
	}
	return strings.Join(lines, " | ")
}
