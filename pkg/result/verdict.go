package result

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/stats"
	"github.com/nlstress/nlstress/pkg/target"
)

// DefaultMargin is the head-room a recommendation adds above the largest
// storm seen.
const DefaultMargin = 0.25

// Summarize computes a run's Durations from per-instance times.
func Summarize(ds []time.Duration) Durations {
	if len(ds) == 0 {
		return Durations{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return Durations{Count: len(s), P50: stats.NearestRank(s, 0.50), P95: stats.NearestRank(s, 0.95), Max: s[len(s)-1]}
}

// Recommend returns the buffer that holds a storm of truesize bytes whole,
// with margin (0.25 = 25 %) on top, whether effective already does, and
// the lines that set it (paste, a target's, of the request).
func Recommend(truesize uint64, margin float64, effective int64, paste func(request int64) target.Paste) Recommendation {
	needed := int64(math.Ceil(float64(truesize) * (1 + margin)))
	// The kernel doubles the request; round the request up to 4 KiB.
	const page = 4096
	request := (needed/2 + page - 1) / page * page
	if request < page {
		request = page
	}
	return Recommendation{
		Needed: needed, Request: request, Margin: margin, Enough: effective >= needed, Paste: paste(request),
	}
}

// Total adds the flaps up. recovered is the per-instance recovery of every
// flap, and instances the number of subject instances. The books are
// measurable only if every phase's received was counted, not inferred.
func Total(flaps []Flap, recovered []time.Duration, instances int) Totals {
	t := Totals{Instances: instances, Recovery: Summarize(recovered)}
	measured := true
	for _, f := range flaps {
		for _, p := range []Phase{f.Down, f.Up} {
			t.StormMessages += p.Storm.Messages
			t.Received += p.Received
			t.Drops += p.Drops
			t.ENOBUFS += p.ENOBUFS
			t.OracleDrops += p.Storm.OracleDrops
			t.PeakQueue = max(t.PeakQueue, p.PeakQueue)
			t.PeakQueueExact = max(t.PeakQueueExact, p.PeakQueueExact)
			t.LargestStorm = max(t.LargestStorm, p.Storm.FlapTruesize())
			measured = measured && !p.Inferred
		}
		if f.Lossy() {
			t.FlapsWithLoss++
		}
		if len(f.Stuck) > 0 {
			t.FlapsWithStuck++
		}
	}
	if measured {
		t.Balanced = Bool(t.StormMessages == t.Received+t.Drops)
	}
	t.LossRate, t.StuckRate = stats.Binomial(t.FlapsWithLoss, len(flaps)), stats.Binomial(t.FlapsWithStuck, len(flaps))
	t.ByDownBursts = ByDownBursts(flaps)
	t.Recovered = instances
	if len(flaps) > 0 {
		t.Stuck = len(flaps[len(flaps)-1].Stuck)
		t.Recovered = instances - t.Stuck
	}
	return t
}

// Bool returns a pointer to b, for the optional booleans of a result.
func Bool(b bool) *bool { return &b }

// PolicyZebra is the overrun policy of FRR's zebra as a run reports it:
// none, and whatever its read loop makes of the error.
const PolicyZebra = "none (zebra)"

// Judge gives the verdict of a run from its totals, its flaps and its
// monitor, in one line a person can act on.
func Judge(t Totals, flaps []Flap, m Monitor) Verdict {
	loss := t.Drops > 0 || t.ENOBUFS > 0
	episodes := plural(t.ENOBUFS, "ENOBUFS episode")
	if m.External {
		episodes = "kernel sk_drops; the daemon's ENOBUFS are not visible from outside"
	}
	lossText := fmt.Sprintf("the monitor lost %d of %d messages (%s) with rcvbuf %d",
		t.Drops, t.StormMessages, episodes, m.Effective)
	if len(flaps) > 1 {
		lossText = fmt.Sprintf("the monitor lost messages in %s, %d of %d messages in all (%s) with rcvbuf %d",
			t.LossRate.Of("flaps"), t.Drops, t.StormMessages, episodes, m.Effective)
	}
	var b strings.Builder
	var status string
	worst, notFault := 0, 0
	for _, f := range flaps {
		worst, notFault = max(worst, len(f.Stuck)), max(notFault, f.NotFault)
	}
	var exits []string
	exitFlap := 0
	for _, f := range flaps {
		for _, x := range f.Exited {
			exits = append(exits, x.String())
			if exitFlap == 0 {
				exitFlap = f.Index
			}
		}
	}
	switch {
	case len(exits) > 0:
		// The daemon under test died: nothing after it was measured on
		// a live daemon.
		status = StatusFail
		fmt.Fprintf(&b, "FAIL: %s during flap %d", strings.Join(exits, "; "), exitFlap)
		if loss {
			b.WriteString("; " + lossText)
		}
	case t.OracleDrops > 0:
		// Nothing else can be trusted: the storm was under-counted.
		status = StatusError
		fmt.Fprintf(&b, "ERROR: the oracle socket itself dropped %d messages, so the storm and the loss figures are not ground truth; "+
			"the scenario's storm exceeds what the oracle can queue (make it smaller)", t.OracleDrops)
	case worst > 0:
		status = StatusFail
		fmt.Fprintf(&b, "FAIL: %d of %d instances stuck in %s after link up", worst, t.Instances, stuckState(flaps))
		if len(flaps) > 1 {
			fmt.Fprintf(&b, " (worst of %d flaps; instances stuck after %s)", len(flaps), t.StuckRate.Of("flaps"))
		}
		if loss {
			b.WriteString("; " + lossText)
		} else {
			b.WriteString("; no netlink loss")
		}
	case loss:
		status = StatusLoss
		fmt.Fprintf(&b, "LOSS: %d/%d recovered in p95 %s%s, but %s; ", t.Recovered, t.Instances, seconds(t.Recovery.P95), neverStuck(t), lossText)
		switch {
		case notFault > 0:
			// Nothing recovered them: they never left the state the
			// lost link-down should have ended.
			fmt.Fprintf(&b, "%d of %d instances never went to FAULT while their link was down (their link-down was lost: they held a dead link)", notFault, t.Instances)
		case m.Policy == PolicyZebra:
			b.WriteString("FRR's vrrpd (8.4) does not take instances down with their links, so the lost messages stranded none; " +
				"they can leave zebra's own view of the links wrong, and zebra exits when an overrun falls between its peek and its read")
		case m.Policy == "" || strings.HasPrefix(m.Policy, "none"):
			b.WriteString("none of the lost messages was a link change that mattered this time, and with overrun policy none a lost link-up leaves instances in FAULT")
		default:
			fmt.Fprintf(&b, "the %s overrun policy recovered the link state", m.Policy)
		}
	default:
		status = StatusPass
		fmt.Fprintf(&b, "PASS: %d/%d recovered in p95 %s%s; no netlink loss", t.Recovered, t.Instances, seconds(t.Recovery.P95), neverStuck(t))
		if t.LossRate.N > 1 {
			fmt.Fprintf(&b, " in %d flaps (loss rate at most %s at 95 %% confidence)", t.LossRate.N, stats.Percent(t.LossRate.AtMost))
		}
		switch {
		case m.PeakExact && t.PeakQueueExact > 0:
			fmt.Fprintf(&b, "; peak queue %s of %s (read in the kernel: every flap of this run would have kept every message at an effective buffer of %s)", kb(t.PeakQueueExact), kb(uint64(m.Effective)), kb(t.PeakQueueExact))
		case m.SampleInterval > 0:
			fmt.Fprintf(&b, "; peak queue %s of %s", kb(t.PeakQueue), kb(uint64(m.Effective)))
		}
	}
	if t.Unbalanced() {
		fmt.Fprintf(&b, "; BOOKS DO NOT BALANCE: kernel sent %d, monitor received %d + kernel dropped %d",
			t.StormMessages, t.Received, t.Drops)
		if m.Restarts > 0 && t.Received+t.Drops < t.StormMessages {
			fmt.Fprintf(&b, " (the %d missing arrived while the restart policy had no socket listening: lost, as in a real restart)",
				t.StormMessages-t.Received-t.Drops)
		}
	}
	return Verdict{Status: status, Line: b.String()}
}

// neverStuck says, over several flaps, how far "no instance stuck" goes.
func neverStuck(t Totals) string {
	if t.StuckRate.N < 2 {
		return ""
	}
	return fmt.Sprintf(" after each of %d flaps (stuck rate at most %s at 95 %% confidence)", t.StuckRate.N, stats.Percent(t.StuckRate.AtMost))
}

// stuckState names the state the stuck instances were in (FAULT, as a
// rule).
func stuckState(flaps []Flap) string {
	seen := map[string]bool{}
	var names []string
	for _, f := range flaps {
		for _, s := range f.Stuck {
			if !seen[s.State] {
				seen[s.State] = true
				names = append(names, s.State)
			}
		}
	}
	slices.Sort(names)
	return strings.Join(names, "/")
}

func plural(n uint64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

// kb prints bytes in the unit a person reads buffers in.
func kb(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
