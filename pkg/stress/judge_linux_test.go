package stress

import (
	"slices"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/replay"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// The logic that judges a flap, without a lab: a plan and a runner made
// by hand, nothing built, no root.

func TestRecoveries(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	ts := []vrrp.Transition{
		{At: at(-time.Second), Instance: 0, To: vrrp.Master},           // before the up: not a recovery
		{At: at(100 * time.Millisecond), Instance: 0, To: vrrp.Backup}, // not into MASTER
		{At: at(300 * time.Millisecond), Instance: 0, To: vrrp.Master}, // the first: counts
		{At: at(900 * time.Millisecond), Instance: 0, To: vrrp.Master}, // the second: does not
		{At: at(200 * time.Millisecond), Instance: 1, To: vrrp.Master}, // instance 1's link came up later
		{At: at(700 * time.Millisecond), Instance: 1, To: vrrp.Master},
		{At: at(50 * time.Millisecond), Instance: 2, To: vrrp.Master}, // not flapped
	}
	since := func(i int) (time.Time, bool) {
		switch i {
		case 0:
			return t0, true
		case 1:
			return at(500 * time.Millisecond), true
		}
		return time.Time{}, false
	}
	got := recoveries(ts, since)
	slices.Sort(got)
	if want := []time.Duration{200 * time.Millisecond, 300 * time.Millisecond}; !slices.Equal(got, want) {
		t.Fatalf("recoveries = %v, want %v (instance 1 from its own link's up, instance 2 left out)", got, want)
	}
}

// handRunner is a runner over a planned lab of n instances on one
// interface, each with a VMAC: nothing built.
func handRunner(t *testing.T, n int) *runner {
	t.Helper()
	plan, err := lab.NewPlan(lab.Spec{Instances: n, VMAC: true, Family: 4})
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{lab: &lab.Lab{Plan: plan}, truth: map[uint32]bool{}, belief: map[uint32]bool{}, read: map[uint32]bool{}}
	for i := range plan.Instances {
		r.vmacs = append(r.vmacs, uint32(1000+i)) // the VMACs' ifindexes, made up
	}
	return r
}

// linkLost names the instances about whose tracked links the kernel sent
// messages and none reached the monitor, and starts the next phase.
func TestLinkLost(t *testing.T) {
	r := handRunner(t, 3)
	eth := r.lab.Interfaces[0].Index
	sent := map[uint32]bool{eth: true, 1000: true, 1001: true, 1002: true}
	r.believe(eth, true)  // the parent's message was read
	r.believe(1000, true) // so was VRID 1's VMAC's
	if got := vrids(r.linkLost(sent)); !slices.Equal(got, []uint8{2, 3}) {
		t.Fatalf("lost = %v, want VRIDs 2 and 3, whose VMACs' messages were not read", got)
	}
	if got := r.linkLost(sent); len(got) != 3 {
		t.Fatalf("the next phase lost %v: what was read was not forgotten", got)
	}
	if got := r.linkLost(nil); len(got) != 0 {
		t.Fatalf("a phase in which the kernel sent nothing lost %v", got)
	}
}

// missed names the instances whose tracked links the monitor believes
// otherwise than the kernel's last word.
func TestMissed(t *testing.T) {
	r := handRunner(t, 3)
	eth := r.lab.Interfaces[0].Index
	// Link down: the kernel says the parent and every VMAC went down, and
	// the monitor read it all.
	for _, idx := range []uint32{eth, 1000, 1001, 1002} {
		r.believe(idx, false)
	}
	if got := r.missed(map[uint32]bool{eth: false, 1000: false, 1001: false, 1002: false}); len(got) != 0 {
		t.Fatalf("after the down, missed %v", got)
	}
	// Link up: the parent came back and was read, so were VRID 1's and
	// 3's VMACs, VRID 2's up was lost.
	r.believe(eth, true)
	r.believe(1000, true)
	r.believe(1002, true)
	got := r.missed(map[uint32]bool{eth: true, 1000: true, 1001: true, 1002: true})
	if len(got) != 1 || got[0].VRID != 2 || got[0].State != "believes down" {
		t.Fatalf("after the up, missed %+v, want VRID 2 believing down", got)
	}
}

// Each target asks for its own lab; a replayed configuration lays out its
// own whatever the target.
func TestLabSpec(t *testing.T) {
	sc := scenario.Default()
	sc.VRIDs, sc.VMAC = 10, true
	tests := []struct {
		name        string
		d           daemonUnderTest
		vmac, noV6  bool
		bridge, rll bool
	}{
		{"engine: the lab's VMACs, IPv4 only as keepalived's", &engineTarget{}, true, true, false, false},
		{"keepalived makes its own VMACs", &keepalivedTarget{}, false, false, false, false},
		{"FRR: bridge macvlans with random link-locals", &frrTarget{}, true, false, true, true},
		{"exec: the lab's VMACs as asked", &execTarget{}, true, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := labSpec(tt.d, sc, nil)
			if s.Instances != 10 || s.VMAC != tt.vmac || s.VMACNoIPv6 != tt.noV6 || (s.VMACMode == lab.MacvlanBridge) != tt.bridge || s.VMACRandomLinkLocal != tt.rll {
				t.Fatalf("spec %+v", s)
			}
		})
	}
	rp := &replay.Replay{Instances: make([]replay.Instance, 3)}
	if s := labSpec(&engineTarget{}, sc, rp); s.Instances != 3 || s.Layout != &rp.Layout {
		t.Fatalf("a replay's spec %+v: want its own layout and instances", s)
	}
}
