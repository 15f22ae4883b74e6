package sockdiag

import (
	"strconv"
	"strings"
	"testing"
)

const procSample = `sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
0000000096257f05 0   0          00000000 0        0        0     2        0        4
00000000da242f15 0   4242       00000111 9216     0        0     2        448      123456
`

func TestParseProcNetlink(t *testing.T) {
	got, err := ParseProcNetlink(strings.NewReader(procSample))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d entries, want 2", len(got))
	}
	e := got[1]
	if e.Protocol.String() != "route" || e.PortID != 4242 || e.Groups != 0x111 || e.Rmem != 9216 || e.Drops != 448 || e.Inode != 123456 {
		t.Fatalf("entry = %+v", e)
	}
}

func TestParseProcNetlinkRejects(t *testing.T) {
	for _, bad := range []string{
		"header\n0 0 0 00000000 0 0 0 2 0\n",     // 9 fields
		"header\n0 0 x 00000000 0 0 0 2 0 4\n",   // pid not a number
		"header\n0 999 0 00000000 0 0 0 2 0 4\n", // protocol out of range
		"header\n0 0 0 zzzzzzzz 0 0 0 2 0 4\n",   // groups not hex
		"header\n0 0 0 00000000 0 0 0 2 -1 4\n",  // negative drops
	} {
		if _, err := ParseProcNetlink(strings.NewReader(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

func FuzzParseProcNetlink(f *testing.F) {
	f.Add(procSample)
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseProcNetlink(strings.NewReader(s))
		if err != nil {
			if got != nil {
				t.Fatalf("an error (%v) with %d entries: a failed parse returns none", err, len(got))
			}
			return
		}
		// Every entry is one line of ten fields after the header, and
		// its numbers print back to what the line said.
		lines := 0
		for i, l := range strings.Split(s, "\n") {
			if i > 0 && len(strings.Fields(l)) > 0 {
				lines++
			}
		}
		if len(got) > lines {
			t.Fatalf("%d entries from %d lines after the header", len(got), lines)
		}
		for _, e := range got {
			if !strings.Contains(s, strconv.FormatUint(uint64(e.Inode), 10)) || !strings.Contains(s, strconv.FormatUint(uint64(e.Drops), 10)) {
				t.Fatalf("entry %+v: its inode or drops are not in the input", e)
			}
		}
	})
}
