package frr

import (
	"regexp"
	"strconv"
	"strings"
)

// NLBufSizeArg finds zebra's netlink buffer on its command line: -s N,
// -sN, --nl-bufsize N or --nl-bufsize=N (the last one wins, as with
// getopt). set is false when none is given: zebra then uses its default
// (scenario.FRRDefaultNLBufSize). A value that is not a number counts as
// not set.
func NLBufSizeArg(args []string) (size int64, set bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		var v string
		switch {
		case a == "-s" || a == "--nl-bufsize":
			if i+1 < len(args) {
				i++
				v = args[i]
			}
		case strings.HasPrefix(a, "--nl-bufsize="):
			v = strings.TrimPrefix(a, "--nl-bufsize=")
		case strings.HasPrefix(a, "-s") && !strings.HasPrefix(a, "--"):
			v = a[2:]
		default:
			continue
		}
		// zebra reads it with atoi: leading digits.
		if n, err := strconv.ParseInt(leadingDigits(v), 10, 64); err == nil {
			size, set = n, true
		}
	}
	return size, set
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

var zebraOptions = regexp.MustCompile(`(?m)^\s*zebra_options\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S*))`)

// DaemonsZebraOptions is the zebra_options line of FRR's daemons file
// (/etc/frr/daemons, which frrinit.sh reads to start zebra), split into
// words; nil when the file sets none.
func DaemonsZebraOptions(text string) []string {
	ms := zebraOptions.FindAllStringSubmatch(text, -1)
	if len(ms) == 0 {
		return nil
	}
	m := ms[len(ms)-1]
	return strings.Fields(m[1] + m[2] + m[3])
}
