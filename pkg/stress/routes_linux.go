package stress

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
)

// routePoll is how often a flap counts the daemon's learned routes in the
// kernel: the resolution of Routes.Gone and Routes.Back.
const routePoll = 50 * time.Millisecond

// routeSlack is what the wait for the routes after the ups adds to the
// instances' recovery limit: an OSPF adjacency that forms again (hello
// every second, the database exchanged) and the routes computed.
const routeSlack = 10 * time.Second

// awaitRoutes waits until the daemon's learned routes are all in the
// kernel (back) or none is (gone), or until deadline. It returns how long
// after since they were, and how many were still missing (or still
// there) at the deadline; nil when the daemon learns no routes (or is
// not asked to).
func (r *runner) awaitRoutes(ctx context.Context, back bool, since, deadline time.Time) (*result.Routes, error) {
	d, ok := r.daemon.(routing)
	if !ok {
		return nil, nil
	}
	tick := time.NewTicker(routePoll)
	defer tick.Stop()
	for {
		have, want, err := d.routes()
		if err != nil {
			return nil, fmt.Errorf("count the routes learned from the peer: %w", err)
		}
		if want == 0 {
			return nil, nil
		}
		rt := &result.Routes{Want: want}
		off := have // still there
		if back {
			off = want - have
		}
		took := time.Since(since)
		switch {
		case off == 0 && back:
			rt.Back = took
			return rt, nil
		case off == 0:
			rt.Gone = took
			return rt, nil
		case !time.Now().Before(deadline):
			rt.Missing = off
			slog.Warn("routes learned from the peer", "back", back, "off", off, "of", want, "waited", took.Round(time.Millisecond))
			return rt, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}
