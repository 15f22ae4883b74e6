package stress

import (
	"context"
	"errors"
	"testing"

	"github.com/nlstress/nlstress/pkg/vrrp"
)

// fakeView reaches MASTER one instance per wait, up to reach of n; its
// WaitAll returns at once, as if each wait's deadline had passed.
type fakeView struct {
	n, reach, now, waits int
}

func (f *fakeView) WaitAll(ctx context.Context, s vrrp.State) error {
	f.waits++
	if f.now < f.reach {
		f.now++
	}
	if f.now == f.n {
		return nil
	}
	return errors.New("deadline")
}

func (f *fakeView) States() []vrrp.State {
	out := make([]vrrp.State, f.n)
	for i := range out {
		out[i] = vrrp.Backup
		if i < f.now {
			out[i] = vrrp.Master
		}
	}
	return out
}

func TestWaitProgress(t *testing.T) {
	for _, tt := range []struct {
		name      string
		n, reach  int
		wantErr   bool
		wantWaits int
	}{
		{"slow but steady: waits until all are there", 50, 50, false, 50},
		{"progress stops: gives up one quiet period later", 50, 30, true, 31},
		{"nothing moves: gives up at the first limit", 50, 0, true, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := &fakeView{n: tt.n, reach: tt.reach}
			err := waitProgress(context.Background(), v, vrrp.Master, 0, 0)
			if (err != nil) != tt.wantErr || v.waits != tt.wantWaits {
				t.Fatalf("err %v after %d waits; want error=%v after %d", err, v.waits, tt.wantErr, tt.wantWaits)
			}
		})
	}
}
