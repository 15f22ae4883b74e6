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
)

// Sweep writes a sweep's answer: per VRID count the smallest safe buffer,
// the recommended setting and its keepalived lines, then the fitted model.
func Sweep(w io.Writer, f Format, rep capacity.Report) error {
	if f == FormatJSON {
		return JSON(w, rep)
	}
	rows := make([][]string, 0, len(rep.Rows))
	for _, r := range rep.Rows {
		if !r.Found {
			rows = append(rows, []string{strconv.Itoa(r.VRIDs), fmt.Sprintf("none up to %d", rep.Sweep.RcvBufMax), "-", "-", kb(r.Storm), strconv.Itoa(r.Runs)})
			continue
		}
		rows = append(rows, []string{
			strconv.Itoa(r.VRIDs), fmt.Sprintf("%d (effective %d)", r.Smallest, r.SmallestEffective),
			strconv.FormatInt(int64(r.Recommended), 10), strings.Join(r.Keepalived, "; "), kb(r.Storm), strconv.Itoa(r.Runs),
		})
	}
	if err := Table(w, f, []string{"VRIDs", "smallest safe rcvbuf", fmt.Sprintf("recommended (+%d%%)", int(rep.Sweep.Margin*100)), "keepalived global_defs", "storm truesize", "runs"}, rows); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nmodel: smallest safe buffer (effective) ≈ %.0f + %.0f × VRIDs bytes; storm truesize ≈ %.0f + %.0f × VRIDs bytes per link transition\n",
		rep.SafeFit.A, rep.SafeFit.B, rep.StormFit.A, rep.StormFit.B)
	return err
}

// SweepCSV writes every run of a sweep as CSV, one row per run.
func SweepCSV(w io.Writer, rep capacity.Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"vrids", "rcvbuf", "effective", "drops", "stuck", "storm_truesize", "pass", "confirm"})
	for _, p := range rep.Points {
		_ = cw.Write([]string{strconv.Itoa(p.VRIDs), strconv.FormatInt(int64(p.RcvBuf), 10), strconv.FormatInt(p.Effective, 10),
			strconv.FormatUint(p.Drops, 10), strconv.Itoa(p.Stuck), strconv.FormatUint(p.Storm, 10), strconv.FormatBool(p.Pass), strconv.FormatBool(p.Confirm)})
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

	// Left: drops vs effective buffer.
	var xs, ys []float64
	for _, p := range rep.Points {
		xs = append(xs, math.Log2(float64(max(p.Effective, 1))))
		ys = append(ys, float64(p.Drops))
	}
	x0, x1 := bounds(xs)
	_, y1 := bounds(ys)
	y1 = max(y1, 1)
	px := func(v float64) float64 { return pad + (v-x0)/math.Max(x1-x0, 1e-9)*(W-1.5*pad) }
	py := func(v float64) float64 { return H - pad - v/y1*(H-1.7*pad) }
	axes(&b, 0, W, H, pad, "effective receive buffer (log scale)", "kernel drops per run")
	step := math.Max(1, math.Ceil((x1-x0)/6)) // about six labels
	for e := math.Ceil(x0); e <= x1; e += step {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", px(e), H-pad+14, kb(uint64(math.Exp2(e))))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%.0f</text>`+"\n", pad-4, py(y1)+4, y1)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold">drops vs buffer</text>`+"\n", W/2, 20.0)
	for si, r := range rep.Rows {
		col := palette[si%len(palette)]
		var pts []capacity.Point
		for _, p := range rep.Points {
			if p.VRIDs == r.VRIDs {
				pts = append(pts, p)
			}
		}
		slices.SortFunc(pts, func(a, c capacity.Point) int { return int(a.Effective - c.Effective) })
		var path []string
		for _, p := range pts {
			x, y := px(math.Log2(float64(max(p.Effective, 1)))), py(float64(p.Drops))
			path = append(path, fmt.Sprintf("%.1f,%.1f", x, y))
			fill := col
			if !p.Pass {
				fill = "white"
			}
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" stroke="%s" fill="%s"/>`+"\n", x, y, col, fill)
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1"/>`+"\n", strings.Join(path, " "), col)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="%s">%d VRIDs</text>`+"\n", W-pad-40, 40+14*float64(si), col, r.VRIDs)
	}

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
