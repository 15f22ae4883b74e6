package report

import (
	"fmt"
	"strings"

	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/result"
)

// burstsText says how a phase's link messages came: "256 link messages
// in one burst (over 0.010 s)" or "link messages in 3 bursts: 101 at
// +0.000 s, 100 at +1.004 s, 55 at +2.008 s".
func burstsText(bs []flap.Burst) string {
	if len(bs) == 1 {
		return fmt.Sprintf("%d link messages in one burst (over %s)", bs[0].Messages, secs(bs[0].Span))
	}
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = fmt.Sprintf("%d at +%s", b.Messages, secs(b.At))
	}
	return fmt.Sprintf("link messages in %d bursts: %s", len(bs), strings.Join(parts, ", "))
}

// pathWords names a path by its bursts: "in one burst", "in 3 bursts".
func pathWords(bursts int) string {
	if bursts == 1 {
		return "in one burst"
	}
	return fmt.Sprintf("in %d bursts", bursts)
}

// pathNotes says, for a run of several flaps whose downs took more than
// one path, the rates on each; for a run of one flap, how its downs'
// link messages came.
func pathNotes(ew *errWriter, r result.Result) {
	if len(r.Flaps) == 1 {
		fl := r.Flaps[0]
		p := fl.Down
		if fl.OneWindow {
			p = fl.Up
		}
		if len(p.LinkBursts) > 0 {
			ew.printf("flap 1: the kernel sent the downs' %s\n", burstsText(p.LinkBursts))
		}
		return
	}
	if r.Totals == nil || len(r.Totals.ByDownBursts) < 2 {
		return
	}
	for _, pr := range r.Totals.ByDownBursts {
		ew.printf("flaps whose downs' link messages came %s: lost messages in %s; instances stuck after %s\n",
			pathWords(pr.DownBursts), pr.Loss.Of("flaps"), pr.Stuck.Of("flaps"))
	}
}
