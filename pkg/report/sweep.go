package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nlstress/nlstress/pkg/capacity"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

// Sweep writes a sweep's answer: per VRID count the smallest buffer that
// lost nothing over the confirmation flaps, the whole-storm bound, the
// recommendation and which bound it rests on; then the loss rate at every
// buffer probed, and the fitted model.
func Sweep(w io.Writer, f Format, rep capacity.Report) error {
	if f == FormatJSON {
		return JSON(w, rep)
	}
	ew := &errWriter{w: w}
	rows := make([][]string, 0, len(rep.Rows))
	for _, r := range rep.Rows {
		storm := fmt.Sprintf("%s (request %d)", kb(r.Storm), (r.Storm+1)/2)
		if !r.Found {
			rows = append(rows, []string{strconv.Itoa(r.VRIDs), fmt.Sprintf("none up to %d", rep.Sweep.RcvBufMax), storm, "-", "-", strconv.Itoa(r.Flaps)})
			continue
		}
		rows = append(rows, []string{
			strconv.Itoa(r.VRIDs),
			fmt.Sprintf("%d (effective %d): lost nothing in %d flaps in a row, P(loss) < %s", r.Smallest, r.SmallestEffective, r.Confirmed.N, stats.Percent(r.Confirmed.AtMost)),
			storm, fmt.Sprintf("%d (%s bound)", r.Recommended, r.Bound), strings.Join(r.Keepalived, "; "), strconv.Itoa(r.Flaps),
		})
	}
	if err := Table(w, f, []string{"VRIDs", "smallest safe rcvbuf (measured)", "largest storm (whole-storm bound)",
		fmt.Sprintf("recommended (+%d%%)", int(rep.Sweep.Margin*100)), "keepalived global_defs", "flaps"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, p := range rep.Probes {
		rows = append(rows, []string{strconv.Itoa(p.VRIDs), strconv.FormatInt(int64(p.RcvBuf), 10), strconv.FormatInt(p.Effective, 10),
			p.Loss.Of("flaps"), p.Stuck.Of("flaps"), strconv.FormatUint(p.Drops, 10)})
	}
	ew.printf("\nloss rate per buffer probed (a probe stops at its first lossy flap; 95 %% intervals are exact binomial):\n")
	if err := Table(w, f, []string{"VRIDs", "rcvbuf", "effective", "flaps that lost messages", "flaps leaving instances stuck", "drops"}, rows); err != nil {
		return err
	}
	ew.printf("\nThe whole-storm bound holds the largest storm whole: it loses nothing however slow the reader. The measured bound is the " +
		"smallest buffer that lost nothing in --confirm flaps in a row; it carries that confidence only. The recommendation is the larger, plus the margin.\n")
	ew.printf("model: smallest safe buffer (effective) ≈ %.0f + %.0f × VRIDs bytes; storm truesize ≈ %.0f + %.0f × VRIDs bytes per link transition\n",
		rep.SafeFit.A, rep.SafeFit.B, rep.StormFit.A, rep.StormFit.B)
	return ew.err
}

// SweepCSV writes every buffer a sweep probed as CSV, one row per probe.
func SweepCSV(w io.Writer, rep capacity.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"vrids", "rcvbuf_bytes", "effective_bytes", "flaps", "lossy_flaps", "loss_rate", "loss_ci95_lower", "loss_ci95_upper",
		"stuck_flaps", "drops", "storm_bytes"})
	ff := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	for _, p := range rep.Probes {
		_ = cw.Write([]string{strconv.Itoa(p.VRIDs), strconv.FormatInt(int64(p.RcvBuf), 10), strconv.FormatInt(p.Effective, 10),
			strconv.Itoa(p.Loss.N), strconv.Itoa(p.Loss.K), ff(p.Loss.Rate), ff(p.Loss.Lower), ff(p.Loss.Upper),
			strconv.Itoa(p.Stuck.K), strconv.FormatUint(p.Drops, 10), strconv.FormatUint(p.Storm, 10)})
	}
	cw.Flush()
	return cw.Error()
}

// palette colours one series per VRID count.
var palette = []string{"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"}

// SweepSVG draws two charts: kernel drops against the effective buffer
// (log scale) for each VRID count, and the smallest safe buffer against
// VRIDs with the fitted line and the storm's truesize.
func SweepSVG(w io.Writer, rep capacity.Report) error {
	const W, H, pad = 460.0, 360.0, 60.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", int(2*W), int(H))
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")

	// Left: observed loss probability vs effective buffer, with the 95 %
	// interval of each probe and each count's recommendation.
	var xs []float64
	for _, p := range rep.Probes {
		xs = append(xs, math.Log2(float64(max(p.Effective, 1))))
	}
	for _, r := range rep.Rows {
		if r.Found {
			xs = append(xs, math.Log2(float64(2*r.Recommended)))
		}
	}
	x0, x1 := bounds(xs)
	x0, x1 = math.Floor(x0), math.Ceil(x1)
	px := func(v float64) float64 { return pad + (v-x0)/math.Max(x1-x0, 1e-9)*(W-1.5*pad) }
	py := func(v float64) float64 { return H - pad - v*(H-1.7*pad) }
	axes(&b, 0, W, H, pad, "effective receive buffer (log scale)", "flaps that lost messages (95 % CI)")
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", pad, py(v), W-pad/2, py(v))
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%.0f %%</text>`+"\n", pad-4, py(v)+4, 100*v)
	}
	step := math.Max(1, math.Ceil((x1-x0)/6)) // about six labels
	for e := x0; e <= x1; e += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(e), H-pad+14, kib(uint64(math.Exp2(e))))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold">loss probability vs buffer</text>`+"\n", W/2, 20.0)
	for si, r := range rep.Rows {
		col := palette[si%len(palette)]
		var pts []capacity.Probe
		for _, p := range rep.Probes {
			if p.VRIDs == r.VRIDs {
				pts = append(pts, p)
			}
		}
		slices.SortFunc(pts, func(a, c capacity.Probe) int { return int(a.Effective - c.Effective) })
		var path []string
		for _, p := range pts {
			x := px(math.Log2(float64(max(p.Effective, 1))))
			path = append(path, fmt.Sprintf("%.1f,%.1f", x, py(p.Loss.Rate)))
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", x, py(p.Loss.Lower), x, py(p.Loss.Upper), col)
			fill := col
			if p.Loss.K > 0 {
				fill = "white"
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" stroke="%s" fill="%s"/>`+"\n", x, py(p.Loss.Rate), col, fill)
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1"/>`+"\n", strings.Join(path, " "), col)
		if r.Found {
			x := px(math.Log2(float64(2 * r.Recommended)))
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="5,3"/>`+"\n", x, py(0), x, py(1), col)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%d VRIDs</text>`+"\n", W-pad-60, 40+14*float64(si), col, r.VRIDs)
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#555">filled: no loss; open: loss; bar: 95 %% CI; dashed: recommended</text>`+"\n", pad+4, H-6.0)

	// Right: smallest safe vs VRIDs.
	off := W
	var vx, vy []float64
	for _, r := range rep.Rows {
		vx = append(vx, float64(r.VRIDs))
		vy = append(vy, float64(max(r.SmallestEffective, int64(r.Storm))))
	}
	_, vx1 := bounds(vx)
	_, vy1 := bounds(vy)
	vx1, vy1 = max(vx1, 1)*1.05, max(vy1, 1)*1.1
	qx := func(v float64) float64 { return off + pad + v/vx1*(W-1.5*pad) }
	qy := func(v float64) float64 { return H - pad - v/vy1*(H-1.7*pad) }
	axes(&b, off, W, H, pad, "VRIDs", "bytes (effective buffer)")
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold">smallest safe buffer vs VRIDs</text>`+"\n", off+W/2, 20.0)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", off+pad-4, qy(vy1)+4, kb(uint64(vy1)))
	line := func(fit capacity.Fit, dash, col, label string, row int) {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="%s"/>`+"\n",
			qx(0), qy(math.Max(fit.At(0), 0)), qx(vx1), qy(fit.At(int(vx1))), col, dash)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%s</text>`+"\n", off+pad+8, 40+14*float64(row), col, label)
	}
	line(rep.SafeFit, "none", "#1f77b4", fmt.Sprintf("smallest safe ≈ %.0f + %.0f×VRIDs", rep.SafeFit.A, rep.SafeFit.B), 0)
	line(rep.StormFit, "4,3", "#d62728", fmt.Sprintf("storm truesize ≈ %.0f + %.0f×VRIDs", rep.StormFit.A, rep.StormFit.B), 1)
	for _, r := range rep.Rows {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`+"\n", qx(float64(r.VRIDs)), H-pad+14, r.VRIDs)
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#d62728"/>`+"\n", qx(float64(r.VRIDs)), qy(float64(r.Storm)))
		if r.Found {
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="#1f77b4"/>`+"\n", qx(float64(r.VRIDs)), qy(float64(r.SmallestEffective)))
		}
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// kib prints bytes in binary units, which is what they are.
func kib(n uint64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%g MiB", math.Round(float64(n)/(1<<20)*10)/10)
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// axes draws a chart's two axes and their titles.
func axes(b *strings.Builder, off, W, H, pad float64, xTitle, yTitle string) {
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", off+pad, H-pad, off+W-pad/2, H-pad)
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", off+pad, H-pad, off+pad, pad/1.4)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", off+W/2, H-pad+32, xTitle)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(-90 %.1f %.1f)">%s</text>`+"\n",
		off+16, H/2, off+16, H/2, yTitle)
}

// bounds is the range of v, or 0..1 for none.
func bounds(v []float64) (lo, hi float64) {
	if len(v) == 0 {
		return 0, 1
	}
	return slices.Min(v), slices.Max(v)
}

// SweepComparison writes the same sweep on two targets side by side: the
// smallest zero-loss buffer of each per VRID count, and how far apart.
func SweepComparison(w io.Writer, f Format, reps map[scenario.Target]capacity.Report, targets []scenario.Target) error {
	if f == FormatJSON {
		return JSON(w, reps)
	}
	a, b := reps[targets[0]], reps[targets[1]]
	rows := make([][]string, 0, len(a.Rows))
	for i, ra := range a.Rows {
		if i >= len(b.Rows) {
			break
		}
		rb := b.Rows[i]
		diff := "-"
		if ra.Found && rb.Found && rb.Smallest > 0 {
			diff = fmt.Sprintf("%+.0f%%", 100*(float64(ra.Smallest)-float64(rb.Smallest))/float64(rb.Smallest))
		}
		rows = append(rows, []string{strconv.Itoa(ra.VRIDs), smallestText(ra), smallestText(rb), diff, kb(ra.Storm), kb(rb.Storm)})
	}
	t0, t1 := string(targets[0]), string(targets[1])
	return Table(w, f, []string{"VRIDs", "smallest safe: " + t0, "smallest safe: " + t1, t0 + " vs " + t1, "storm: " + t0, "storm: " + t1}, rows)
}

func smallestText(r capacity.Row) string {
	if !r.Found {
		return "none in range"
	}
	return strconv.FormatInt(int64(r.Smallest), 10)
}
