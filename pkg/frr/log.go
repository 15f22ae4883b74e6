package frr

import "strings"

// Overruns are zebra's "recvmsg overrun" lines in a piece of its log, with
// the timestamp and prefix left off ("netlink-listen (NS 0) recvmsg
// overrun: No buffer space available"). zebra 8.4 exits right after the
// first.
func Overruns(log string) []string {
	var out []string
	for _, line := range completeLines(log) {
		i := strings.Index(line, "recvmsg overrun")
		if i < 0 {
			continue
		}
		// The socket's name runs from after the message id ("[EC n] ")
		// to the overrun.
		start := strings.LastIndex(line[:i], "] ")
		if start < 0 {
			start = 0
		} else {
			start += 2
		}
		out = append(out, strings.TrimSpace(line[start:]))
	}
	return out
}

// completeLines are the lines of s that end in a newline.
func completeLines(s string) []string {
	s = s[:strings.LastIndexByte(s, '\n')+1]
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
