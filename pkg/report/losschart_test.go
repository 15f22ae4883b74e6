package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

func instances(ifc string, vrids ...uint8) []result.Instance {
	var out []result.Instance
	for _, v := range vrids {
		out = append(out, result.Instance{VRID: v, Interface: ifc})
	}
	return out
}

// Each instance's cell says what happened to its link messages, the worst
// kind winning; instances of the second interface sit after the first's
// 255 columns; the chart renders.
func TestLossPositionSVG(t *testing.T) {
	r := result.Result{Started: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Scenario: scenario.Default()}
	r.Scenario.VMAC, r.Lab.RunID, r.Lab.Interfaces = true, "ab12cd", []string{"eth2", "eth3"}
	r.Monitor = &result.Monitor{Effective: 131072}
	f1 := result.Flap{Index: 1, Stuck: instances("eth2", 4)}
	f1.Down.LinkLost, f1.Down.Drops = instances("eth2", 1, 2, 3), 300
	f1.Up.LinkLost, f1.Up.Drops = instances("eth2", 2, 4), 90
	f2 := result.Flap{Index: 2}
	f2.Up.Missed = instances("eth3", 1)
	r.Flaps = []result.Flap{f1, f2}
	var b bytes.Buffer
	if err := LossPositionSVG(&b, r); err != nil {
		t.Fatal(err)
	}
	svg := b.String()
	for _, tc := range []struct {
		kind int
		n    int
	}{{cellLostDown, 2}, {cellLostBoth, 1}, {cellLostUp, 0}, {cellStuck, 1}, {cellMissed, 1}} {
		// One cell each, plus the legend's swatch.
		if got := strings.Count(svg, `fill="`+cellColours[tc.kind]+`"`) - 1; got != tc.n {
			t.Errorf("kind %d: %d cells, want %d", tc.kind, got, tc.n)
		}
	}
	cellW := 900.0 / 510
	if want := fmt.Sprintf(`x="%.1f" y="49.0"`, 56+cellW*255); !strings.Contains(svg, want) {
		t.Errorf("eth3's VRID 1 of flap 2 not at %s", want)
	}
	for _, want := range []string{"300 / 90 dropped, 1 stuck", "eth3 VRIDs, in storm order", "rcvbuf 131072 effective", "nlstress run ab12cd", "2026-11-27"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	checkSVG(t, svg)

	if err := LossPositionSVG(&b, result.Result{}); err == nil {
		t.Error("a run without flaps: want an error")
	}
}
