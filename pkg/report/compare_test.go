package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/hostload"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

// The text names each variant's rates, says the host load a variant ran
// beside as asked and achieved, and gives every verdict; a variant
// without a load says none.
func TestCompareText(t *testing.T) {
	rep := compare.Report{Baseline: scenario.Default(), Flaps: 30}
	rep.Baseline.Target = scenario.TargetKeepalived
	idle, busy := compare.Summary{Verdict: "baseline"}, compare.Summary{Verdict: "no measurable difference in flaps that stranded instances"}
	idle.Name, busy.Name, busy.Spec = "idle", "load50", "--host-load 50"
	idle.Stuck, busy.Stuck = stats.Binomial(3, 30), stats.Binomial(4, 30)
	busy.HostLoad = &hostload.Share{Asked: 50, Achieved: 54.46}
	rep.Variants = []compare.Summary{idle, busy}
	var b bytes.Buffer
	if err := Compare(&b, FormatTable, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"3 of 30", "4 of 30", "--host-load 50",
		"load50 ran beside a host load of 50 % asked, 54.5 % achieved (the mean over its flaps)",
		"load50: no measurable difference in flaps that stranded instances"} {
		if !strings.Contains(out, want) {
			t.Errorf("the text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "idle ran beside") {
		t.Errorf("a variant without a load said one:\n%s", out)
	}
}
