package report

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/capacity"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
	"github.com/nlstress/nlstress/pkg/target"
)

func sampleSweep() capacity.Report {
	sw := scenario.DefaultSweep()
	sw.VRIDs = []int{255}
	return capacity.Report{
		Sweep: sw,
		Rows: []capacity.Row{{
			VRIDs: 255, Found: true, Smallest: 401664, SmallestEffective: 803328, Confirmed: stats.Binomial(0, 30),
			Storm: 806093, Bound: "whole storm", Recommended: 507904, Flaps: 45,
			Paste: target.KeepalivedLines(507904),
		}},
		Probes: []capacity.Probe{
			{VRIDs: 255, RcvBuf: 16 * bytesize.MiB, Effective: 32 << 20, Loss: stats.Binomial(0, 1), Stuck: stats.Binomial(0, 1)},
			{VRIDs: 255, RcvBuf: 360704, Effective: 721408, Loss: stats.Binomial(1, 3), Stuck: stats.Binomial(0, 3), Drops: 96},
			{VRIDs: 255, RcvBuf: 401664, Effective: 803328, Loss: stats.Binomial(0, 30), Stuck: stats.Binomial(0, 30)},
		},
	}
}

// The table states the confidence of the measured bound and which bound
// the recommendation rests on; the probes give their loss rates.
func TestSweepTable(t *testing.T) {
	var b bytes.Buffer
	if err := Sweep(&b, FormatTable, sampleSweep()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"lost nothing in 30 flaps in a row, P(loss) < 9.5 %", "507904 (whole storm bound)",
		"1 of 3 flaps (33.3 %, 95 % CI 0.8–90.6 %)", "0 of 30 flaps (0 %, 95 % CI 0–11.6 %)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

// The second answer follows the lossy flaps: a daemon that came right
// after every loss is offered the staleness instead of the buffer; one
// that did not is told only the buffer will do; without loss, nothing.
func TestSweepAfterLossWords(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after *capacity.AfterLoss
		want  []string
		not   string
	}{
		{"resyncs", &capacity.AfterLoss{Flaps: 4, Smallest: 8192, Longest: 5004 * time.Millisecond},
			[]string{"none of 4 flaps that lost messages (effective buffers from 8192 up) left an instance wrong", "accept a view up to 5.004 s stale", "a buffer from 8192 effective does"}, "does not recover"},
		{"strands", &capacity.AfterLoss{Flaps: 4, Stuck: 1, Smallest: 8192},
			[]string{"1 of 4 flaps that lost messages left instances wrong", "only a buffer that loses nothing will do"}, "stale"},
		{"lost nothing", nil, nil, "after a loss"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := sampleSweep()
			rep.Rows[0].AfterLoss = tc.after
			var b bytes.Buffer
			if err := Sweep(&b, FormatTable, rep); err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(b.String(), want) {
					t.Errorf("table lacks %q:\n%s", want, b.String())
				}
			}
			if strings.Contains(b.String(), tc.not) {
				t.Errorf("table has %q:\n%s", tc.not, b.String())
			}
		})
	}
}

// A row found from the queue's peaks says so, with its check, and the
// curve the peaks gave follows the table.
func TestSweepTableFromPeaks(t *testing.T) {
	rep := sampleSweep()
	checked := stats.Binomial(0, 3)
	r := &rep.Rows[0]
	r.Method, r.Checked, rep.Sweep.Method = scenario.SweepPeaks, &checked, scenario.SweepPeaks
	r.Curve = []capacity.Point{{Effective: 430_000, Loss: stats.Binomial(18, 27)}, {Effective: 803328, Loss: stats.Binomial(0, 27)}}
	var b bytes.Buffer
	if err := Sweep(&b, FormatTable, rep); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"the largest of 27 flaps' queue peaks, read in the kernel", "at this buffer 0 of 3 check flaps lost", "; none of 30 flaps lost or would have lost here, P(loss) < 9.5 %",
		"loss curve from the queue's exact peaks", "18 of 27 flaps (66.7 %", "a bound from above",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, b.String())
		}
	}
}

func TestSweepCSV(t *testing.T) {
	var b bytes.Buffer
	if err := SweepCSV(&b, sampleSweep()); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(recs) != 4 || recs[0][5] != "loss_rate" || recs[2][4] != "1" || recs[2][5] != "0.3333" {
		t.Fatalf("CSV (%v):\n%v", err, recs)
	}
}

// The chart is well-formed SVG with round ticks from 0, binary units, a
// legend, the recommendation and the conditions; rsvg-convert renders it,
// so a chart a browser would refuse fails here.
func TestSweepSVG(t *testing.T) {
	rep := sampleSweep()
	rep.Scenario = scenario.Default()
	rep.Scenario.Target, rep.Scenario.VMAC = scenario.TargetKeepalived, true
	rep.Host.Kernel = "6.18.0-test"
	rep.Started = time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	if err := SweepSVG(&b, rep); err != nil {
		t.Fatal(err)
	}
	checkSVG(t, b.String())
	for _, want := range []string{
		"Probability that a flap loses messages", ">0 %<", ">100 %<", "MiB", ">0 B<", "KiB",
		"no flap lost messages at this buffer", "some flaps lost messages", "95 % interval", "recommended buffer",
		"recommended 992 KiB", "target keepalived; VMACs; VRRPv3 every 1s", "kernel 6.18.0-test; 2026-11-26",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	for _, tt := range []struct {
		hi   float64
		want string
	}{
		{255, "[0 100 200 300]"},
		{64, "[0 20 40 60 80]"},
		{1, "[0 0.2 0.4 0.6000000000000001 0.8 1]"},
		{1 << 20, "[0 262144 524288 786432 1.048576e+06]"},
		{1500000, "[0 524288 1.048576e+06 1.572864e+06]"},
	} {
		if got := fmt.Sprint(niceTicks(tt.hi)); got != tt.want {
			t.Errorf("niceTicks(%v) = %s, want %s", tt.hi, got, tt.want)
		}
	}
}

// Off a terminal, sweep's progress is plain INFO log lines on stderr,
// never warnings.
func TestSweepProgressIsInfo(t *testing.T) {
	var b bytes.Buffer
	progress := SweepProgress(&b, 3)
	progress(1, 3, capacity.Probe{VRIDs: 255, RcvBuf: 1 << 20})
	line := b.String()
	if !strings.Contains(line, "level=INFO") || !strings.Contains(line, `msg="sweep flap"`) || !strings.Contains(line, "rcvbuf=1048576") {
		t.Fatalf("progress line %q", line)
	}
}

// Three targets side by side: each one's smallest safe buffer, how far
// each is from the first, and each one's storm.
func TestSweepComparisonOfThree(t *testing.T) {
	row := func(smallest bytesize.Size, storm uint64) capacity.Report {
		return capacity.Report{Rows: []capacity.Row{{VRIDs: 255, Found: true, Smallest: smallest, Storm: storm}}}
	}
	targets := []scenario.Target{scenario.TargetBuiltin, scenario.TargetKeepalived, scenario.TargetFRR}
	reps := map[scenario.Target]capacity.Report{
		scenario.TargetBuiltin: row(400000, 800000), scenario.TargetKeepalived: row(500000, 800000), scenario.TargetFRR: row(200000, 1200000),
	}
	var b bytes.Buffer
	if err := SweepComparison(&b, FormatMarkdown, reps, targets); err != nil {
		t.Fatal(err)
	}
	var cells []string
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| 255") {
			for _, c := range strings.Split(strings.Trim(line, "| "), "|") {
				cells = append(cells, strings.TrimSpace(c))
			}
		}
	}
	if want := []string{"255", "400000", "500000", "200000", "+25%", "-50%", "781.2 KB", "781.2 KB", "1.14 MB"}; !slices.Equal(cells, want) {
		t.Errorf("row %q, want %q", cells, want)
	}
	for _, want := range []string{"smallest safe: frr", "keepalived vs builtin", "frr vs builtin", "storm: frr"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("comparison lacks %q:\n%s", want, b.String())
		}
	}
}

// The comparison chart has one series per target, a legend naming each,
// the targets in its caption, and renders (rsvg-convert).
func TestSweepComparisonSVG(t *testing.T) {
	rows := func(a, b int64) capacity.Report {
		return capacity.Report{Scenario: scenario.Default(), Sweep: scenario.DefaultSweep(), Rows: []capacity.Row{
			{VRIDs: 64, Found: true, SmallestEffective: a, Storm: uint64(2 * a)}, {VRIDs: 255, Found: true, SmallestEffective: b, Storm: uint64(2 * b)}}}
	}
	targets := []scenario.Target{scenario.TargetBuiltin, scenario.TargetKeepalived, scenario.TargetFRR}
	reps := map[scenario.Target]capacity.Report{scenario.TargetBuiltin: rows(100000, 400000), scenario.TargetKeepalived: rows(120000, 500000), scenario.TargetFRR: rows(130000, 540000)}
	var b bytes.Buffer
	if err := SweepComparisonSVG(&b, reps, targets); err != nil {
		t.Fatal(err)
	}
	if err := xml.Unmarshal(b.Bytes(), new(struct{})); err != nil {
		t.Fatalf("not XML: %v", err)
	}
	for _, want := range []string{"builtin: smallest safe", "keepalived: largest storm", "frr: smallest safe", "targets builtin, keepalived, frr"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	if n := strings.Count(b.String(), "<polyline"); n != 6 {
		t.Errorf("%d lines, want 2 per target", n)
	}
	checkSVG(t, b.String())
}

// checkSVG fails unless svg is well-formed XML that rsvg-convert renders,
// so that a chart a browser would refuse fails here.
func checkSVG(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG does not parse: %v", err)
			}
			break
		}
	}
	rsvg := roottest.Tool(t, "rsvg-convert", "apt-get install librsvg2-bin; scripts/install-test-deps.sh does")
	png := filepath.Join(t.TempDir(), "chart.png")
	cmd := exec.Command(rsvg, "-o", png)
	cmd.Stdin = strings.NewReader(svg)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rsvg-convert: %v: %s", err, out)
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 1000 {
		t.Fatalf("rendered PNG: %v, %v", st, err)
	}
}
