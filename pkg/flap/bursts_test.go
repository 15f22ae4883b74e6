package flap

import (
	"reflect"
	"testing"
	"time"
)

func TestBursts(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	at := func(ms int, n int) Arrival {
		return Arrival{At: t0.Add(time.Duration(ms) * time.Millisecond), Messages: n}
	}
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	tests := []struct {
		name     string
		arrivals []Arrival
		want     []Burst
	}{
		{"none", nil, nil},
		{"one poll", []Arrival{at(10, 255)}, []Burst{{At: ms(10), Messages: 255}}},
		{
			// Linkwatch's urgent path: every VMAC within a few polls.
			"at once", []Arrival{at(0, 0), at(10, 120), at(20, 135)},
			[]Burst{{At: 0, Span: ms(20), Messages: 255}},
		},
		{
			// Its batched path: 100 devices a run, a second apart.
			"runs a second apart", []Arrival{at(0, 101), at(1004, 100), at(2008, 55)},
			[]Burst{{At: 0, Messages: 101}, {At: ms(1004), Messages: 100}, {At: ms(2008), Messages: 55}},
		},
		{
			// A pause shorter than the gap is one burst; the gap itself
			// starts a new one.
			"just under and at the gap", []Arrival{at(0, 1), at(499, 1), at(999, 1)},
			[]Burst{{At: 0, Span: ms(499), Messages: 2}, {At: ms(999), Messages: 1}},
		},
		{
			// An arrival before the window's start (a staggered
			// pattern's ups before its last) is timed negative.
			"before the start", []Arrival{at(-30, 2), at(0, 3)},
			[]Burst{{At: ms(-30), Span: ms(30), Messages: 5}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Bursts(t0, tt.arrivals); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Bursts = %+v, want %+v", got, tt.want)
			}
		})
	}
}
