package report

import (
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/stats"
)

// CompareSVG draws a comparison: one row per variant, two panels, the
// share of flaps that stranded instances and the share that lost
// messages, each a dot at the rate with its exact 95 % interval as a bar
// and "k of n" beside it; the baseline's interval shaded across its
// panel, so that a variant whose bar clears the band differs visibly. A
// variant whose daemon never came up says so in its row.
func CompareSVG(w io.Writer, rep compare.Report) error {
	if len(rep.Variants) == 0 {
		return fmt.Errorf("compare chart: no variant to draw")
	}
	const left, top, panelW, gap, rowH, captionH = 150.0, 56.0, 330.0, 70.0, 26.0, 40.0
	panels := []struct {
		title string
		rate  func(compare.Summary) stats.Rate
	}{
		{"flaps stranding instances in FAULT", func(s compare.Summary) stats.Rate { return s.Stuck }},
		{"flaps losing netlink messages", func(s compare.Summary) stats.Rate { return s.Loss }},
	}
	W := left + float64(len(panels))*(panelW+gap)
	bottom := top + rowH*float64(len(rep.Variants))
	H := bottom + 30 + captionH
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", int(W), int(H))
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	title(&b, W/2, "Which fix works: each variant's rates with their exact 95 % intervals")
	base := rep.Variants[0]
	for p, panel := range panels {
		x0 := left + float64(p)*(panelW+gap)
		x := func(r float64) float64 { return x0 + r*panelW }
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-weight="bold">%s</text>`+"\n", x0+panelW/2, top-18, html.EscapeString(panel.title))
		for _, v := range []float64{0, 0.25, 0.5, 0.75, 1} {
			gridX(&b, x(v), bottom, top-8, fmt.Sprintf("%.0f %%", 100*v))
		}
		if br := panel.rate(base); br.N > 0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#deebf7"/>`+"\n", x(br.Lower), top-8, x(br.Upper)-x(br.Lower), bottom-top+8)
		}
		for i, s := range rep.Variants {
			y := top + rowH*(float64(i)+0.5)
			r := panel.rate(s)
			if s.Failed != "" || r.N == 0 {
				if p == 0 {
					fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#a50f15">%s</text>`+"\n", x0+4, y+4, html.EscapeString(shorten("never measured: "+s.Failed, 70)))
				}
				continue
			}
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#3182bd" stroke-width="3"/>`+"\n", x(r.Lower), y, x(r.Upper), y)
			fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="4.5" fill="#08519c"/>`+"\n", x(r.Rate), y)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="9">%d of %d</text>`+"\n", x(1)+6, y+3, r.K, r.N)
		}
	}
	for i, s := range rep.Variants {
		y := top + rowH*(float64(i)+0.5)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end">%s</text>`+"\n", left-10, y+4, html.EscapeString(s.Name))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#333">%s</text>`+"\n", 10.0, bottom+30, html.EscapeString(compareCaption(rep)))
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#333">%s</text>`+"\n", 10.0, bottom+46,
		html.EscapeString("shaded: the baseline's interval; p values (Fisher's exact test) are in the table beside this chart"))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// compareCaption is a comparison's conditions, for its chart.
func compareCaption(rep compare.Report) string {
	sc := rep.Baseline
	parts := []string{"nlstress compare", "target " + string(sc.Target), fmt.Sprintf("%d VRIDs", sc.VRIDs)}
	if sc.VMAC {
		parts = append(parts, "VMACs")
	}
	parts = append(parts, fmt.Sprintf("VRRPv%d every %v", sc.Version, sc.AdvertInterval), fmt.Sprintf("%d flaps per variant, interleaved", rep.Flaps))
	if in := rep.Interrupted; in != nil {
		parts = append(parts, fmt.Sprintf("INCOMPLETE: stopped by %s after %d of %d flaps", in.By, in.AfterFlaps, in.Of))
	}
	if rep.Host.Kernel != "" {
		parts = append(parts, "kernel "+rep.Host.Kernel)
	}
	if !rep.Started.IsZero() {
		parts = append(parts, rep.Started.Format("2006-01-02"))
	}
	return strings.Join(parts, "; ")
}

// shorten cuts s to n runes, marking the cut.
func shorten(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
