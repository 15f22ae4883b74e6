package report

import (
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/capacity"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
	"github.com/nlstress/nlstress/pkg/target"
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
	if in := rep.Interrupted; in != nil {
		ew.printf("INCOMPLETE: stopped by %s after %d of about %d flaps; the table holds the VRID counts finished, the probes (-o json) every flap\n\n", in.By, in.AfterFlaps, in.Of)
	}
	rows := make([][]string, 0, len(rep.Rows))
	where := "lines to paste"
	for _, r := range rep.Rows {
		storm := fmt.Sprintf("%s (request %d)", kb(r.Storm), (r.Storm+1)/2)
		paste := strings.Join(r.Paste.Lines, "; ")
		if r.Paste.Where != "" {
			where = r.Paste.Where
		}
		if !r.Found {
			rows = append(rows, []string{strconv.Itoa(r.VRIDs), notFound(r, rep.Sweep.RcvBufMax), storm, "-", "-", strconv.Itoa(r.Flaps)})
			continue
		}
		rows = append(rows, []string{
			strconv.Itoa(r.VRIDs), smallestSafe(r), storm, fmt.Sprintf("%d (%s bound)", r.Recommended, r.Bound), paste, strconv.Itoa(r.Flaps),
		})
	}
	if err := Table(w, f, []string{"VRIDs", "smallest safe rcvbuf (measured)", "largest storm (whole-storm bound)",
		fmt.Sprintf("recommended (+%d%%)", int(rep.Sweep.Margin*100)), where, "flaps"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, p := range rep.Probes {
		eff := strconv.FormatInt(p.Effective, 10)
		if p.StartFailed != "" {
			eff = "did not start" // the reason is in the JSON
		}
		rows = append(rows, []string{strconv.Itoa(p.VRIDs), strconv.FormatInt(int64(p.RcvBuf), 10), eff,
			p.Loss.Of("flaps"), p.Stuck.Of("flaps"), strconv.FormatUint(p.Drops, 10)})
	}
	ew.printf("\nloss rate per buffer probed (a probe stops at its first lossy flap; 95 %% intervals are exact binomial):\n")
	if err := Table(w, f, []string{"VRIDs", "rcvbuf", "effective", "flaps that lost messages", "flaps leaving instances stuck", "drops"}, rows); err != nil {
		return err
	}
	if err := curveTable(w, f, ew, rep); err != nil {
		return err
	}
	if rep.Sweep.Method == scenario.SweepPeaks {
		ew.printf("\nThe whole-storm bound holds the largest storm whole: it loses nothing however slow the reader. The measured bound is the " +
			"largest exact queue peak of all but 3 of --confirm flaps, at a buffer none filled, and the other 3 flaps run at it: none lost or would have lost at it, a bound from above (a reader that reads during the storm needs less: results/METHODS.md). The recommendation is the larger, plus the margin.\n")
	} else {
		ew.printf("\nThe whole-storm bound holds the largest storm whole: it loses nothing however slow the reader. The measured bound is the " +
			"smallest buffer that lost nothing in --confirm flaps in a row; it carries that confidence only: for the buffer alone, and weaker for the sweep, which confirms candidate after candidate until one passes (series i is held to 5 %%/2^i, so that all together err at most 5 %%). The recommendation is the larger, plus the margin.\n")
	}
	ew.printf("model: smallest safe buffer (effective) ≈ %.0f + %.0f × VRIDs bytes; storm truesize ≈ %.0f + %.0f × VRIDs bytes per link transition\n",
		rep.SafeFit.A, rep.SafeFit.B, rep.StormFit.A, rep.StormFit.B)
	for _, r := range rep.Rows {
		if r.AfterLoss != nil {
			ew.printf("%s\n", afterLossWords(r.VRIDs, *r.AfterLoss))
		}
	}
	for _, r := range rep.Rows {
		if r.Cycles.Flaps > 0 {
			ew.printf("flap cycle at %d VRIDs, %s\n", r.VRIDs, cycleWords(r.Cycles))
		}
	}
	if until := rep.Scenario.DownUntil; until != "" && rep.Scenario.DownFor == 0 {
		ew.printf("flaps held down until %s (--down-until), then until the kernel had sent the whole link-down storm\n", holdWords(until))
	}
	return ew.err
}

// afterLossWords is a sweep row's second answer: whether a buffer that
// loses messages is an option, and the staleness it costs.
func afterLossWords(vrids int, a capacity.AfterLoss) string {
	if a.Stuck > 0 {
		return fmt.Sprintf("after a loss at %d VRIDs: %d of %d flaps that lost messages left instances wrong (or the daemon dead) for good: this daemon does not recover from a loss, only a buffer that loses nothing will do",
			vrids, a.Stuck, a.Flaps)
	}
	return fmt.Sprintf("after a loss at %d VRIDs: none of %d flaps that lost messages (effective buffers from %d up) left an instance wrong: this daemon recovers from a loss. The other answer: accept a view up to %s stale after a link change (the longest here, from the change to the last instance right) and a buffer from %d effective does; the table's buffer is for losing nothing",
		vrids, a.Flaps, a.Smallest, secs(a.Longest), a.Smallest)
}

// smallestSafe is a found row's measured bound and what it rests on.
func smallestSafe(r capacity.Row) string {
	if r.Method == scenario.SweepPeaks {
		checked, checks := "", 0
		if r.Checked != nil {
			checked, checks = "; at this buffer "+r.Checked.Of("check flaps lost"), r.Checked.N
		}
		return fmt.Sprintf("%d (effective %d): the largest of %d flaps' queue peaks, read in the kernel at a buffer none filled%s; none of %d flaps lost or would have lost here, P(loss) < %s",
			r.Smallest, r.SmallestEffective, r.Confirmed.N-checks, checked, r.Confirmed.N, stats.Percent(r.Confirmed.AtMost))
	}
	s := fmt.Sprintf("%d (effective %d): lost nothing in %d flaps in a row, P(loss) < %s for this buffer alone, < %s for the sweep (confirmation series %d)",
		r.Smallest, r.SmallestEffective, r.Confirmed.N, stats.Percent(r.Confirmed.AtMost), stats.Percent(r.ProcedureAtMost), r.Confirmations)
	if r.Fallback != "" {
		s += "; bisected because " + r.Fallback
	}
	return s
}

// curveTable is the loss curve each row's exact peaks gave: at each
// effective buffer a flap peaked at, the flaps that would have lost.
func curveTable(w io.Writer, f Format, ew *errWriter, rep capacity.Report) error {
	var rows [][]string
	for _, r := range rep.Rows {
		for _, p := range r.Curve {
			rows = append(rows, []string{strconv.Itoa(r.VRIDs), strconv.FormatInt(p.Effective, 10), p.Loss.Of("flaps")})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	ew.printf("\nloss curve from the queue's exact peaks (a flap loses at an effective buffer below its peak; results/METHODS.md):\n")
	return Table(w, f, []string{"VRIDs", "effective buffer", "flaps whose queue passed it"}, rows)
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

// Chart geometry: two panels side by side, a legend under each, and a
// caption with the conditions at the foot.
const (
	chartW, chartH, chartPad = 460.0, 360.0, 64.0
	legendH                  = 64.0
	captionH                 = 28.0
)

// SweepSVG draws two charts: the probability that a flap loses messages
// against the effective buffer (log scale), with each probe's 95 %
// interval and each VRID count's recommended buffer; and the smallest safe
// buffer and the storm against VRIDs with their fitted lines. Both have
// round ticks from 0 with a grid, binary units (KiB, MiB), a legend, and a
// caption with the conditions (target, VMAC, adverts, kernel, date).
func SweepSVG(w io.Writer, rep capacity.Report) error {
	const W, H, pad = chartW, chartH, chartPad
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", int(2*W), int(H+legendH+captionH))
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	lossPanel(&b, rep)
	lossLegend(&b, rep)
	sizePanel(&b, rep)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#333">%s</text>`+"\n", pad, H+legendH+captionH/2+4, html.EscapeString(caption(rep)))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// lossPanel is the left chart: the loss probability observed at each
// effective buffer, per VRID count, with its interval and the recommended
// buffer.
func lossPanel(b *strings.Builder, rep capacity.Report) {
	const W, H, pad = chartW, chartH, chartPad
	var xs []float64
	for _, p := range rep.Probes {
		if p.StartFailed == "" { // a daemon that did not start has no buffer to draw
			xs = append(xs, math.Log2(float64(max(p.Effective, 1))))
		}
	}
	for _, r := range rep.Rows {
		if r.Found {
			xs = append(xs, math.Log2(float64(2*r.Recommended)))
		}
	}
	x0, x1 := bounds(xs)
	x0, x1 = math.Floor(x0), math.Max(math.Ceil(x1), math.Floor(x0)+1)
	px := func(v float64) float64 { return pad + (v-x0)/(x1-x0)*(W-1.5*pad) }
	py := func(v float64) float64 { return H - pad - v*(H-1.7*pad) }
	title(b, W/2, "Probability that a flap loses messages")
	for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
		gridY(b, pad, W-pad/2, py(v), fmt.Sprintf("%.0f %%", 100*v))
	}
	step := math.Max(1, math.Ceil((x1-x0)/6)) // about six labels, powers of two
	for e := x0; e <= x1; e += step {
		gridX(b, px(e), py(0), py(1), kib(uint64(math.Exp2(e))))
	}
	axes(b, 0, W, H, pad, "effective receive buffer (log scale; the kernel doubles the request)", "flaps that lost messages (95 % CI)")
	for si, r := range rep.Rows {
		col := palette[si%len(palette)]
		var pts []capacity.Probe
		for _, p := range rep.Probes {
			if p.VRIDs == r.VRIDs && p.StartFailed == "" {
				pts = append(pts, p)
			}
		}
		slices.SortFunc(pts, func(a, c capacity.Probe) int { return int(a.Effective - c.Effective) })
		var path []string
		for _, p := range pts {
			x := px(math.Log2(float64(max(p.Effective, 1))))
			path = append(path, fmt.Sprintf("%.1f,%.1f", x, py(p.Loss.Rate)))
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/>`+"\n", x, py(p.Loss.Lower), x, py(p.Loss.Upper), col)
			marker(b, x, py(p.Loss.Rate), col, p.Loss.K == 0)
		}
		fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1"/>`+"\n", strings.Join(path, " "), col)
		if r.Found {
			x := px(math.Log2(float64(2 * r.Recommended)))
			fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-width="1.5" stroke-dasharray="6,3"/>`+"\n", x, py(0), x, py(1), col)
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" fill="%s" transform="rotate(-90 %.1f %.1f)">recommended %s</text>`+"\n", x-4, py(0.02), col, x-4, py(0.02), kib(uint64(2*r.Recommended)))
		}
	}
}

// lossLegend is the legend under the left chart.
func lossLegend(b *strings.Builder, rep capacity.Report) {
	const H, pad = chartH, chartPad
	ly := H + 8
	for si, r := range rep.Rows {
		col := palette[si%len(palette)]
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s"/><text x="%.1f" y="%.1f">%d VRIDs</text>`+"\n",
			pad, ly+4+14*float64(si), pad+18, ly+4+14*float64(si), col, pad+24, ly+8+14*float64(si), r.VRIDs)
	}
	lx := pad + 110
	marker(b, lx, ly+4, "#333", true)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f">no flap lost messages at this buffer</text>`+"\n", lx+8, ly+8)
	marker(b, lx, ly+18, "#333", false)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f">some flaps lost messages</text>`+"\n", lx+8, ly+22)
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333"/><text x="%.1f" y="%.1f">95 %% interval of the loss probability</text>`+"\n", lx, ly+28, lx, ly+38, lx+8, ly+36)
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#333" stroke-dasharray="6,3"/><text x="%.1f" y="%.1f">recommended buffer (effective)</text>`+"\n", lx-6, ly+46, lx+6, ly+46, lx+8, ly+50)

}

// sizePanel is the right chart: the smallest safe buffer, the storm and
// the recommendation against VRIDs, with the fitted lines and a legend.
func sizePanel(b *strings.Builder, rep capacity.Report) {
	const W, H, pad = chartW, chartH, chartPad
	ly := H + 8
	off := W
	var vx, vy []float64
	for _, r := range rep.Rows {
		vx = append(vx, float64(r.VRIDs))
		vy = append(vy, float64(max(r.SmallestEffective, int64(r.Storm))), float64(2*r.Recommended))
	}
	_, vxMax := bounds(vx)
	_, vyMax := bounds(vy)
	xticks, yticks := niceTicks(vxMax), niceTicks(vyMax)
	vx1, vy1 := xticks[len(xticks)-1], yticks[len(yticks)-1]
	qx := func(v float64) float64 { return off + pad + v/vx1*(W-1.5*pad) }
	qy := func(v float64) float64 { return H - pad - v/vy1*(H-1.7*pad) }
	title(b, off+W/2, "Smallest safe buffer and storm vs VRIDs")
	for _, v := range yticks {
		gridY(b, off+pad, off+W-pad/2, qy(v), kib(uint64(v)))
	}
	for _, v := range xticks {
		gridX(b, qx(v), qy(0), qy(vy1), strconv.Itoa(int(v)))
	}
	axes(b, off, W, H, pad, "VRRP instances (VRIDs)", "bytes of truesize (effective buffer)")
	fitLine := func(fit capacity.Fit, dash, col string) {
		fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="%s" stroke-dasharray="%s"/>`+"\n",
			qx(0), qy(math.Max(fit.At(0), 0)), qx(vx1), qy(math.Min(fit.At(int(vx1)), vy1)), col, dash)
	}
	fitLine(rep.SafeFit, "none", "#1f77b4")
	fitLine(rep.StormFit, "4,3", "#d62728")
	for _, r := range rep.Rows {
		fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="2.5" fill="#d62728"/>`+"\n", qx(float64(r.VRIDs)), qy(float64(r.Storm)))
		if r.Found {
			fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="4" fill="#1f77b4"/>`+"\n", qx(float64(r.VRIDs)), qy(float64(r.SmallestEffective)))
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="7" height="7" fill="#2ca02c"/>`+"\n", qx(float64(r.VRIDs))-3.5, qy(float64(2*r.Recommended))-3.5)
		}
	}
	legend := []struct{ sym, text string }{
		{`<circle cx="%.1f" cy="%.1f" r="4" fill="#1f77b4"/>`, fmt.Sprintf("smallest safe (measured), fit %s + %.0f B per VRID", kib(uint64(max(rep.SafeFit.A, 0))), rep.SafeFit.B)},
		{`<circle cx="%.1f" cy="%.1f" r="2.5" fill="#d62728"/>`, fmt.Sprintf("largest storm (oracle), fit %s + %.0f B per VRID (dashed)", kib(uint64(max(rep.StormFit.A, 0))), rep.StormFit.B)},
		{`<rect x="%.1f" y="%.1f" width="7" height="7" fill="#2ca02c"/>`, "recommended (effective, with the margin)"},
	}
	for i, l := range legend {
		x, y := off+pad, ly+4+16*float64(i)
		if strings.HasPrefix(l.sym, "<rect") {
			fmt.Fprintf(b, l.sym+"\n", x-3.5, y-3.5)
		} else {
			fmt.Fprintf(b, l.sym+"\n", x, y)
		}
		fmt.Fprintf(b, `<text x="%.1f" y="%.1f">%s</text>`+"\n", x+10, y+4, html.EscapeString(l.text))
	}
}

// caption is the conditions of a sweep, for its chart.
func caption(rep capacity.Report) string {
	sc := rep.Scenario
	parts := []string{"nlstress sweep", "target " + string(sc.Target)}
	if sc.KeepalivedConf != "" {
		parts = append(parts, "replaying "+sc.KeepalivedConf)
	}
	if sc.VMAC || target.Of(sc.Target).NeedsMacvlans != "" { // the lab makes them whatever --vmac says
		parts = append(parts, "VMACs")
	}
	parts = append(parts, fmt.Sprintf("VRRPv%d every %v", sc.Version, sc.AdvertInterval), fmt.Sprintf("%d VIP/VRID", sc.VIPsPerVRID))
	if sc.RoutesPerVRID > 0 {
		parts = append(parts, fmt.Sprintf("%d routes/VRID", sc.RoutesPerVRID))
	}
	parts = append(parts, fmt.Sprintf("%s flaps", sc.FlapMode), fmt.Sprintf("%d clean flaps in a row to confirm", rep.Sweep.Confirm))
	if rep.Host.Kernel != "" {
		parts = append(parts, "kernel "+rep.Host.Kernel)
	}
	if !rep.Started.IsZero() {
		parts = append(parts, rep.Started.Format("2006-01-02"))
	}
	return strings.Join(parts, "; ")
}

// niceTicks are round ticks from 0 up to at least hi: steps of 1, 2 or 5
// times a power of ten (for bytes, of two), about five of them.
func niceTicks(hi float64) []float64 {
	if hi <= 0 {
		hi = 1
	}
	raw := hi / 5
	var step float64
	if hi >= 1024 { // bytes: binary steps read as KiB and MiB
		step = math.Exp2(math.Ceil(math.Log2(raw)))
	} else {
		mag := math.Pow(10, math.Floor(math.Log10(raw)))
		for _, m := range []float64{1, 2, 5, 10} {
			if step = m * mag; step >= raw {
				break
			}
		}
	}
	var ticks []float64
	for v := 0.0; ; v += step {
		ticks = append(ticks, v)
		if v >= hi {
			return ticks
		}
	}
}

// title writes a panel's title.
func title(b *strings.Builder, x float64, text string) {
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold" font-size="13">%s</text>`+"\n", x, 22.0, text)
}

// gridY draws a horizontal grid line at y with its label.
func gridY(b *strings.Builder, x0, x1, y float64, label string) {
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>`+"\n", x0, y, x1, y)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", x0-4, y+4, label)
}

// gridX draws a vertical grid line at x with its label under the axis.
func gridX(b *strings.Builder, x, yBottom, yTop float64, label string) {
	fmt.Fprintf(b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#e3e3e3"/>`+"\n", x, yBottom, x, yTop)
	fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", x, yBottom+14, label)
}

// marker is a probe's point: filled when no flap lost messages, open
// when some did.
func marker(b *strings.Builder, x, y float64, col string, clean bool) {
	fill := col
	if !clean {
		fill = "white"
	}
	fmt.Fprintf(b, `<circle cx="%.1f" cy="%.1f" r="3.5" stroke="%s" fill="%s"/>`+"\n", x, y, col, fill)
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
		off+14, H/2, off+14, H/2, yTitle)
}

// bounds is the range of v, or 0..1 for none.
func bounds(v []float64) (lo, hi float64) {
	if len(v) == 0 {
		return 0, 1
	}
	return slices.Min(v), slices.Max(v)
}

// SweepComparison writes the same sweep on several targets side by side:
// the smallest zero-loss buffer of each per VRID count, how far each
// target after the first is from the first, and each one's storm (the
// groups each daemon's monitor joins differ, and with them the storm).
func SweepComparison(w io.Writer, f Format, reps map[scenario.Target]capacity.Report, targets []scenario.Target) error {
	if f == FormatJSON {
		return JSON(w, reps)
	}
	first := reps[targets[0]]
	header := []string{"VRIDs"}
	for _, t := range targets {
		header = append(header, "smallest safe: "+string(t))
	}
	for _, t := range targets[1:] {
		header = append(header, string(t)+" vs "+string(targets[0]))
	}
	for _, t := range targets {
		header = append(header, "storm: "+string(t))
	}
	rows := make([][]string, 0, len(first.Rows))
	for i, r0 := range first.Rows {
		row := []string{strconv.Itoa(r0.VRIDs)}
		var same []capacity.Row
		for _, t := range targets {
			rs := reps[t].Rows
			if i >= len(rs) {
				break
			}
			same = append(same, rs[i])
		}
		if len(same) < len(targets) {
			break
		}
		for _, r := range same {
			row = append(row, smallestText(r))
		}
		for _, r := range same[1:] {
			diff := "-"
			if r.Found && r0.Found && r0.Smallest > 0 {
				diff = fmt.Sprintf("%+.0f%%", 100*(float64(r.Smallest)-float64(r0.Smallest))/float64(r0.Smallest))
			}
			row = append(row, diff)
		}
		for _, r := range same {
			row = append(row, kb(r.Storm))
		}
		rows = append(rows, row)
	}
	return Table(w, f, header, rows)
}

// notFound says why a row has no measured bound: the largest buffer lost,
// at the rate measured there.
func notFound(r capacity.Row, max bytesize.Size) string {
	if r.AtMax != nil {
		return fmt.Sprintf("none up to %d: there %s lost messages", max, r.AtMax.Of("flaps"))
	}
	return fmt.Sprintf("none up to %d", max)
}

func smallestText(r capacity.Row) string {
	if !r.Found {
		return "none in range"
	}
	return strconv.FormatInt(int64(r.Smallest), 10)
}

// SweepComparisonSVG draws the same sweep on several targets in one chart:
// per target, the smallest safe buffer (measured, effective) against
// VRIDs as filled points on a solid line and the largest storm its monitor
// took as open squares on a dashed one, with round ticks from 0, a grid, binary units, a legend and the
// conditions in the caption.
func SweepComparisonSVG(w io.Writer, reps map[scenario.Target]capacity.Report, targets []scenario.Target) error {
	const W, H, pad = 2 * chartW, chartH, chartPad
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", int(W), int(H+legendH+captionH))
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	var vx, vy []float64
	for _, t := range targets {
		for _, r := range reps[t].Rows {
			vx = append(vx, float64(r.VRIDs))
			vy = append(vy, float64(max(r.SmallestEffective, int64(r.Storm))))
		}
	}
	_, vxMax := bounds(vx)
	_, vyMax := bounds(vy)
	xticks, yticks := niceTicks(vxMax), niceTicks(vyMax)
	vx1, vy1 := xticks[len(xticks)-1], yticks[len(yticks)-1]
	qx := func(v float64) float64 { return pad + v/vx1*(W-1.5*pad) }
	qy := func(v float64) float64 { return H - pad - v/vy1*(H-1.7*pad) }
	title(&b, W/2, "Smallest safe buffer and storm vs VRIDs, per target")
	for _, v := range yticks {
		gridY(&b, pad, W-pad/2, qy(v), kib(uint64(v)))
	}
	for _, v := range xticks {
		gridX(&b, qx(v), qy(0), qy(vy1), strconv.Itoa(int(v)))
	}
	axes(&b, 0, W, H, pad, "VRRP instances (VRIDs)", "bytes of truesize (effective buffer)")
	ly := H + 8
	for i, t := range targets {
		col := palette[i%len(palette)]
		var safe, storm []string
		for _, r := range reps[t].Rows {
			x := qx(float64(r.VRIDs))
			storm = append(storm, fmt.Sprintf("%.1f,%.1f", x, qy(float64(r.Storm))))
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="7" height="7" fill="white" stroke="%s"/>`+"\n", x-3.5, qy(float64(r.Storm))-3.5, col)
			if r.Found {
				safe = append(safe, fmt.Sprintf("%.1f,%.1f", x, qy(float64(r.SmallestEffective))))
				fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/>`+"\n", x, qy(float64(r.SmallestEffective)), col)
			}
		}
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s"/>`+"\n", strings.Join(safe, " "), col)
		fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="%s" stroke-dasharray="4,3"/>`+"\n", strings.Join(storm, " "), col)
		x, y := pad+220*float64(i), ly+8
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4" fill="%s"/><text x="%.1f" y="%.1f">%s: smallest safe (solid)</text>`+"\n", x, y, col, x+10, y+4, html.EscapeString(string(t)))
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="7" height="7" fill="white" stroke="%s"/><text x="%.1f" y="%.1f">%s: largest storm (open, dashed)</text>`+"\n",
			x-3.5, y+14.5, col, x+10, y+22, html.EscapeString(string(t)))
	}
	text := strings.Replace(caption(reps[targets[0]]), "target "+string(targets[0]), "targets "+joinTargets(targets), 1)
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#333">%s</text>`+"\n", pad, H+legendH+captionH/2+4, html.EscapeString(text))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func joinTargets(ts []scenario.Target) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// holdWords says what a flap held its links down for.
func holdWords(d scenario.DownUntil) string {
	if d == scenario.DownUntilFault {
		return "every instance was in FAULT (the peer's takeover, which the monitor does not see, not waited for)"
	}
	return "every instance was in FAULT and the peer MASTER"
}
