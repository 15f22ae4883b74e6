package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

// Each measured variant has its two bars and its counts; one that never
// came up says why instead; the baseline's interval is shaded; the
// conditions are in the caption; the chart renders.
func TestCompareSVG(t *testing.T) {
	rep := compare.Report{Started: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), Baseline: scenario.Default(), Flaps: 30}
	rep.Baseline.Target, rep.Baseline.VRIDs, rep.Baseline.VMAC = scenario.TargetKeepalived, 255, true
	rep.Host.Kernel = "6.18.44"
	v := func(name string, stuck, loss int) compare.Summary {
		var s compare.Summary
		s.Name, s.Stuck, s.Loss = name, stats.Binomial(stuck, 30), stats.Binomial(loss, 30)
		return s
	}
	rt := compare.Summary{Failed: "keepalived's VRRP child was killed: has rlimit_rttime been exceeded?"}
	rt.Name = "rt-alone"
	rep.Variants = []compare.Summary{v("baseline", 10, 30), v("buffer", 0, 2), rt}
	var b bytes.Buffer
	if err := CompareSVG(&b, rep); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	if n := strings.Count(svg, "<circle"); n != 4 {
		t.Errorf("%d dots, want 4: two variants measured, two panels", n)
	}
	for _, want := range []string{"10 of 30", "0 of 30", "2 of 30", "never measured: keepalived", "rt-alone", "fill=\"#deebf7\"",
		"target keepalived", "255 VRIDs", "30 flaps per variant", "kernel 6.18.44", "2026-12-05"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	checkSVG(t, svg)
	if err := CompareSVG(&b, compare.Report{}); err == nil {
		t.Error("no variant: want an error")
	}
}
