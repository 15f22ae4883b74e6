package churn

import (
	"context"
	"math"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// Each kind of churn, asked for 5,000 changes per second, makes them
// within 10 % on this machine; every change is one notification on its
// group, counted by an oracle as churn (about the churn link); and Stop
// leaves nothing behind: read from the kernel.
func TestChurnRate(t *testing.T) {
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 1, ChurnLink: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	groups := map[Kind]nlmon.Group{Route: nlmon.GroupIPv4Route, Neigh: nlmon.GroupNeigh, Addr: nlmon.GroupIPv4Addr}
	const rate, run = 5000, 2 * time.Second
	for _, kind := range Kinds {
		t.Run(string(kind), func(t *testing.T) {
			o, err := nlmon.OpenOracle(l.Subject.NS.Fd(), []nlmon.Group{groups[kind]}, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			o.ChurnLink = lab.ChurnLinkIndex
			g, err := Start(l.Subject.NS.Fd(), kind, rate, lab.ChurnLinkIndex)
			if err != nil {
				t.Fatal(err)
			}
			flap.Hold(context.Background(), time.Now().Add(run)) // the generator's own running time
			st, err := g.Stop()
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%v", st)
			if st.Errors != 0 {
				t.Errorf("%d changes refused (%s)", st.Errors, st.FirstError)
			}
			if math.Abs(st.Achieved-rate)/rate > 0.10 {
				t.Errorf("achieved %.0f/s, want %d/s within 10 %%", st.Achieved, rate)
			}
			storm, err := o.Collect()
			if err != nil {
				t.Fatal(err)
			}
			// Stop removed what the last round added: those are
			// notifications too.
			// Measured on kernel 6.18: a new permanent neighbour entry
			// is notified twice (two RTM_NEWNEIGH), its removal once;
			// routes and addresses once each way.
			adds := added(st.Changes)
			want := st.Changes + st.Cleared
			if kind == Neigh {
				want += adds
			}
			if storm.OracleDrops != 0 || storm.Churn != storm.Messages || storm.Churn != want {
				t.Errorf("oracle: %d messages %v, %d churn, %d dropped; generator made %d changes (%d adds) and cleared %d: want %d", storm.Messages, storm.ByType, storm.Churn, storm.OracleDrops, st.Changes, adds, st.Cleared, want)
			}
			if n := leftovers(t, l.Subject, kind); n != 0 {
				t.Errorf("%d %s objects left on the churn link after Stop", n, kind)
			}
		})
	}
}

// The three kinds at once on one link do not undo each other: the link
// keeps an address of its own, so that address churn never removes its
// last one (the kernel would flush its routes and neighbours).
func TestChurnKindsTogether(t *testing.T) {
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 1, ChurnLink: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	var gens []*Generator
	for _, kind := range Kinds {
		g, err := Start(l.Subject.NS.Fd(), kind, 2000, lab.ChurnLinkIndex)
		if err != nil {
			t.Fatal(err)
		}
		gens = append(gens, g)
	}
	flap.Hold(context.Background(), time.Now().Add(time.Second))
	for _, g := range gens {
		st, err := g.Stop()
		if err != nil || st.Errors != 0 || st.Changes < 1000 {
			t.Errorf("%s: %d changes, %d refused (%s), err %v", st.Kind, st.Changes, st.Errors, st.FirstError, err)
		}
	}
}

// added is how many of n changes were adds: Slots adds, Slots removes,
// and so on.
func added(n uint64) uint64 {
	full := n / (2 * Slots)
	return full*Slots + min(n%(2*Slots), Slots)
}

// leftovers counts the objects of a kind still on the churn link.
func leftovers(t *testing.T, s *lab.Side, kind Kind) int {
	t.Helper()
	n := 0
	switch kind {
	case Route:
		rs, err := s.Conn.Route.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Attributes.Table == Table {
				n++
			}
		}
	case Neigh:
		ns, err := s.Conn.Neigh.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ns {
			if m.Index == lab.ChurnLinkIndex && m.State == unix.NUD_PERMANENT {
				n++
			}
		}
	case Addr:
		as, err := s.Conn.Address.List()
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			// Not its IPv6 link-local nor the address the link keeps.
			if a.Index == lab.ChurnLinkIndex && a.Family == unix.AF_INET && !a.Attributes.Address.Equal(net.IPv4(192, 0, 2, 254)) {
				n++
			}
		}
	}
	return n
}

func TestStartRefusesRates(t *testing.T) {
	for _, rate := range []int{0, -1, MaxRate + 1} {
		if _, err := Start(-1, Route, rate, 1); err == nil {
			t.Errorf("Start at %d/s: no error", rate)
		}
	}
}
