package report

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/capacity"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

func sampleSweep() capacity.Report {
	sw := scenario.DefaultSweep()
	sw.VRIDs = []int{255}
	return capacity.Report{
		Sweep: sw,
		Rows: []capacity.Row{{
			VRIDs: 255, Found: true, Smallest: 401664, SmallestEffective: 803328, Confirmed: stats.Binomial(0, 30),
			Storm: 806093, Bound: "whole storm", Recommended: 507904, Flaps: 45,
			Keepalived: []string{"vrrp_netlink_monitor_rcv_bufs 507904", "vrrp_netlink_monitor_rcv_bufs_force"},
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

// The chart is well-formed SVG with the loss-probability axis.
func TestSweepSVG(t *testing.T) {
	var b bytes.Buffer
	if err := SweepSVG(&b, sampleSweep()); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(strings.NewReader(b.String()))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("SVG does not parse: %v", err)
			}
			break
		}
	}
	for _, want := range []string{"loss probability vs buffer", "100 %", "MiB", "dashed: recommended"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("SVG lacks %q", want)
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
