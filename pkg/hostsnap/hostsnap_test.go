package hostsnap

import (
	"strings"
	"testing"
)

func TestTakeTwiceIsEqual(t *testing.T) {
	a, err := Take()
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Links) == 0 || len(a.Sysctls) != 4 {
		t.Fatalf("snapshot looks empty: %d links, %d sysctls", len(a.Links), len(a.Sysctls))
	}
	b, err := Take()
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(a, b); d != "" {
		t.Fatalf("two snapshots in a row differ:\n%s", d)
	}
}

func TestDiff(t *testing.T) {
	a := Snapshot{Links: []string{"1 lo", "2 eth0"}}
	b := Snapshot{Links: []string{"1 lo", "3 nls-x"}}
	d := Diff(a, b)
	if !strings.Contains(d, "- link 2 eth0") || !strings.Contains(d, "+ link 3 nls-x") {
		t.Fatalf("Diff = %q", d)
	}
}
