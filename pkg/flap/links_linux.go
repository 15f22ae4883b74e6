package flap

import (
	"context"
	"fmt"
	"time"

	"github.com/jsimonetti/rtnetlink/v2"

	"github.com/nlstress/nlstress/pkg/lab"
)

// LinkwatchQuantum is how long a flap under background churn keeps a
// link down at least (without churn a flap holds until the namespace has
// been quiet for longer than linkwatch's second, which is shorter). The
// kernel's linkwatch applies carrier and operstate changes (IFF_RUNNING,
// and a VMAC following its parent) in batches of at most 100 devices and
// one batch a second, and an "up" too soon after a batch waits for the
// next: recovery times were bimodal (0.33 s or 0.9 to 1.2 s at 100 ms
// adverts; measured with --down-for 0, 2s and 3s), and at 1 s adverts an
// up 0.3 s after the down came 0.7 s late. Two seconds down kept every
// flap at the protocol's own time. The first flap waits as long after
// the lab was built.
const LinkwatchQuantum = 2 * time.Second

// Links are the interfaces a flap takes down and up together, on one
// side's rtnetlink connection.
type Links struct {
	Conn    *rtnetlink.Conn
	Names   []string // for errors
	Indexes []uint32
}

// Set sets every link administratively up or down, in order, and returns
// the instant just before the first change: the ground truth that
// recovery and FAULT times are measured from.
func (l Links) Set(up bool) (time.Time, error) {
	at := time.Now()
	for i, idx := range l.Indexes {
		if err := lab.SetLink(l.Conn, idx, up); err != nil {
			return at, fmt.Errorf("set %s up=%v: %w", l.Names[i], up, err)
		}
	}
	return at, nil
}

// Apply makes the changes of steps (see Pattern.Steps), each at its
// offset from the moment Apply starts, and returns that moment (the
// instant just before the first change) and, per link, when its last
// change was made. It stops early when ctx ends.
func (l Links) Apply(ctx context.Context, steps []Step) (start time.Time, last []time.Time, err error) {
	start = time.Now()
	last = make([]time.Time, len(l.Indexes))
	for _, st := range steps {
		Hold(ctx, start.Add(st.At))
		if err := ctx.Err(); err != nil {
			return start, last, err
		}
		last[st.Link] = time.Now()
		if err := lab.SetLink(l.Conn, l.Indexes[st.Link], st.Up); err != nil {
			return start, last, fmt.Errorf("set %s up=%v: %w", l.Names[st.Link], st.Up, err)
		}
	}
	return start, last, nil
}

// Hold waits until t or until ctx ends: a deliberate hold of the links'
// state, not a wait for something to happen.
func Hold(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}
