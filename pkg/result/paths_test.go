package result

import (
	"reflect"
	"testing"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/stats"
)

// pathFlap is a flap whose downs' link messages came in bursts bursts,
// with drops and stuck instances as asked.
func pathFlap(bursts int, drops uint64, stuck bool) Flap {
	f := Flap{Down: Phase{Drops: drops}}
	for i := 0; i < bursts; i++ {
		f.Down.LinkBursts = append(f.Down.LinkBursts, flap.Burst{Messages: 1})
	}
	if stuck {
		f.Stuck = []Instance{{VRID: 1}}
	}
	return f
}

func TestByDownBursts(t *testing.T) {
	bounce := Flap{OneWindow: true, Up: Phase{LinkBursts: []flap.Burst{{Messages: 2}}}}
	tests := []struct {
		name  string
		flaps []Flap
		want  []PathRate
	}{
		{"none timed", []Flap{{}, {Down: Phase{Drops: 3}}}, nil},
		{
			"two paths, fewest bursts first, untimed left out",
			[]Flap{pathFlap(3, 40, true), pathFlap(1, 400, false), pathFlap(3, 30, true), {}, pathFlap(1, 0, false), pathFlap(3, 0, false)},
			[]PathRate{
				{DownBursts: 1, Loss: stats.Binomial(1, 2), Stuck: stats.Binomial(0, 2)},
				{DownBursts: 3, Loss: stats.Binomial(2, 3), Stuck: stats.Binomial(2, 3)},
			},
		},
		{"a bounce's one window", []Flap{bounce}, []PathRate{{DownBursts: 1, Loss: stats.Binomial(0, 1), Stuck: stats.Binomial(0, 1)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ByDownBursts(tt.flaps); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ByDownBursts = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLossy(t *testing.T) {
	for _, tt := range []struct {
		f    Flap
		want bool
	}{
		{Flap{}, false},
		{Flap{Down: Phase{Drops: 1}}, true},
		{Flap{Up: Phase{ENOBUFS: 1}}, true},
		{Flap{Down: Phase{Received: 9}, Up: Phase{Received: 9}}, false},
	} {
		if got := tt.f.Lossy(); got != tt.want {
			t.Errorf("%+v.Lossy() = %v, want %v", tt.f, got, tt.want)
		}
	}
}
