package preflight

import (
	"testing"

	"github.com/nlstress/nlstress/pkg/hostsnap"
	"github.com/nlstress/nlstress/pkg/roottest"
)

func TestReadHost(t *testing.T) {
	h, err := ReadHost()
	if err != nil {
		t.Fatal(err)
	}
	if h.Kernel == "" || h.RmemMax <= 0 || h.RmemDefault <= 0 || h.CPUs < 1 {
		t.Fatalf("implausible host facts: %+v", h)
	}
}

func TestCheckAsRootPassesAndChangesNothing(t *testing.T) {
	roottest.Require(t)
	before, err := hostsnap.Take()
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(Needs{Macvlan: true}); err != nil {
		t.Fatalf("Check as root: %v", err)
	}
	after, err := hostsnap.Take()
	if err != nil {
		t.Fatal(err)
	}
	if d := hostsnap.Diff(before, after); d != "" {
		t.Fatalf("preflight changed the root namespace:\n%s", d)
	}
}
