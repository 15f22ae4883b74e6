package flap

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nlstress/nlstress/pkg/nlmon"
)

// Monitor is the monitor under test as a measuring window sees it.
type Monitor interface {
	// Counts reads its counters now.
	Counts() (nlmon.Counts, error)
	// Idle reports whether everything queued for it was read or dropped.
	Idle() (bool, error)
	// WaitMarker waits until the reader has read marker k and returns its
	// counters as they were then. Only a monitor whose reads are visible
	// (nlstress's own) can; Window.Marker is nil for the others.
	WaitMarker(ctx context.Context, k uint32) (nlmon.Counts, error)
}

// Window closes measuring windows: the stretch of messages between two
// closes is one transition's storm, counted by the oracle and by the
// monitor alike.
type Window struct {
	Oracle  *nlmon.Oracle
	Monitor Monitor
	// Marker closes windows on the reader's own count; nil for a monitor
	// whose reads are not visible (an outside daemon's).
	Marker *nlmon.Marker
	// Failed reports a failure elsewhere in the run that must end a wait.
	Failed func() error
	// Busy explains a monitor that never drains ("consumer cost too
	// high?"), for the error.
	Busy string
	// carried is what the oracle collected before the window closed
	// (Carry), added to the window's storm at Close.
	carried nlmon.Storm
}

// Carry collects what the oracle holds now, in the middle of a window
// (the churn before a flap's first down, to measure it alone), returns
// it, and keeps it for the window's Close to add back.
func (w *Window) Carry() (nlmon.Storm, error) {
	st, err := w.Oracle.Collect()
	if err != nil {
		return st, err
	}
	w.carried.Add(st)
	return st, nil
}

// Timeouts of a window's waits, and how many markers are sent before a
// window is given up.
const (
	QuiesceTimeout = 2 * time.Minute
	markerWait     = 10 * time.Second
	markerAttempts = 3
)

// Quiesce waits until the monitor has read, or the kernel has dropped,
// everything queued for it: two idle readings in a row.
func (w *Window) Quiesce(ctx context.Context) error {
	deadline := time.Now().Add(QuiesceTimeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	streak := 0
	for streak < 2 {
		idle, err := w.Monitor.Idle()
		if err != nil {
			return fmt.Errorf("monitor: %w", err)
		}
		if idle {
			streak++
		} else {
			streak = 0
		}
		if w.Failed != nil {
			if err := w.Failed(); err != nil {
				return err
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("monitor still busy after %v%s", QuiesceTimeout, w.Busy)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// Close closes a measuring window so that the oracle and the monitor
// count the same messages, and returns the monitor's counters and the
// oracle's storm since the last Close. It collects the oracle and waits
// until the monitor has read or lost everything queued; then, with a
// Marker, it sends a marker through the kernel and waits until the
// monitor has read it: everything before the marker is then counted by
// the reader itself (it takes its counters on its own thread as it reads
// the marker), and the oracle drains up to the same marker. A marker lost
// to a congested socket is sent again; one a socket dropped is taken out
// of its drops. Without a Marker the window closes on the kernel's queue
// being empty, collecting again while late messages arrive.
func (w *Window) Close(ctx context.Context) (nlmon.Counts, nlmon.Storm, error) {
	storm, err := w.Oracle.Collect()
	if err != nil {
		return nlmon.Counts{}, storm, err
	}
	if w.carried.Messages > 0 {
		w.carried.Add(storm)
		storm, w.carried = w.carried, nlmon.Storm{}
	}
	if w.Marker == nil {
		return w.closeByQueue(ctx, storm)
	}
	for attempt := 1; ; attempt++ {
		if err := w.Quiesce(ctx); err != nil {
			return nlmon.Counts{}, storm, err
		}
		k, err := w.Marker.Send()
		if err != nil {
			return nlmon.Counts{}, storm, err
		}
		wctx, cancel := context.WithTimeout(ctx, markerWait)
		c, err := w.Monitor.WaitMarker(wctx, k)
		cancel()
		if err != nil && attempt < markerAttempts && ctx.Err() == nil {
			slog.Debug("marker not read; sending another", "marker", k, "err", err)
			continue
		}
		if err != nil {
			return nlmon.Counts{}, storm, fmt.Errorf("close the measuring window: %w", err)
		}
		// Markers the socket dropped are in sk_drops but are not
		// messages.
		c.Drops -= min(c.Drops, w.Marker.Sent()-c.Markers)
		rest, err := w.Oracle.CollectUntil(k)
		if err != nil {
			return c, storm, err
		}
		storm.Add(rest)
		return c, storm, nil
	}
}

// closeByQueue closes a window for a monitor whose reads are not visible:
// wait until its queue is empty, read its counters, and collect the
// oracle again; while that collection finds messages other than
// background churn (they arrived during the close), add them and go round
// again.
func (w *Window) closeByQueue(ctx context.Context, storm nlmon.Storm) (nlmon.Counts, nlmon.Storm, error) {
	for {
		if err := w.Quiesce(ctx); err != nil {
			return nlmon.Counts{}, storm, err
		}
		c, err := w.Monitor.Counts()
		if err != nil {
			return c, storm, err
		}
		extra, err := w.Oracle.Collect()
		if err != nil {
			return c, storm, err
		}
		storm.Add(extra)
		if extra.Messages == extra.Churn {
			// Nothing late but background churn, which never stops
			// arriving while it runs.
			return c, storm, nil
		}
	}
}
