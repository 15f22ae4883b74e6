package report

import (
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/nlstress/nlstress/pkg/result"
)

// Where an instance's link messages went in one flap, for the loss chart;
// a later kind wins when several apply.
const (
	cellLostDown = iota + 1 // every link message of the link-down lost
	cellLostUp              // every link message of the link-up lost
	cellLostBoth            // both lost: harmless, the monitor never knew
	cellMissed              // the monitor believes its link down after link up
	cellStuck               // stuck in FAULT after link up
)

var cellColours = map[int]string{
	cellLostDown: "#9ecae1", cellLostUp: "#fdae6b", cellLostBoth: "#bdbdbd", cellMissed: "#e6550d", cellStuck: "#a50f15",
}

var cellNames = []struct {
	kind int
	text string
}{
	{cellLostDown, "link-down lost (harmless alone)"},
	{cellLostUp, "link-up lost"},
	{cellLostBoth, "both lost (harmless)"},
	{cellMissed, "believed down after link up"},
	{cellStuck, "stuck in FAULT"},
}

// lossColumns is how many columns an interface takes: one per VRID.
const lossColumns = 255

// LossPositionSVG draws where in each flap's storms the monitor's losses
// fell: one row per flap, one column per instance in the order the kernel
// sends their link messages (the lab's: by interface, then VRID), so a
// column's place is its place, and about its time, in the storm. A cell
// says whether the instance's link messages were lost on the way down, on
// the way up, or both (the built-in engine, whose reads are visible),
// whether the monitor believed its link down after link up (keepalived
// with its log on the console, FRR), and whether it stayed in FAULT. Each
// row ends with the flap's drops, down and up.
func LossPositionSVG(w io.Writer, r result.Result) error {
	ifaces := r.Lab.Interfaces
	if len(ifaces) == 0 || len(r.Flaps) == 0 {
		return fmt.Errorf("loss chart: the run has no flaps to draw")
	}
	cols := len(ifaces) * lossColumns
	const left, top, right, rowH, legendH, captionH = 56.0, 40.0, 150.0, 9.0, 40.0, 28.0
	cellW := max(1, 900/float64(cols))
	plotW := cellW * float64(cols)
	W, H := left+plotW+right, top+rowH*float64(len(r.Flaps))+36
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", int(W), int(H+legendH+captionH))
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	title(&b, left+plotW/2, "Where in the storm the monitor lost each instance's link messages")
	col := func(in result.Instance) (int, bool) {
		k := slices.Index(ifaces, in.Interface)
		if k < 0 || in.VRID == 0 {
			return 0, false
		}
		return k*lossColumns + int(in.VRID) - 1, true
	}
	for i, f := range r.Flaps {
		cells := map[int]int{}
		mark := func(list []result.Instance, kind int) {
			for _, in := range list {
				c, ok := col(in)
				if !ok {
					continue
				}
				switch {
				case kind == cellLostUp && cells[c] == cellLostDown:
					cells[c] = cellLostBoth
				case kind > cells[c]:
					cells[c] = kind
				}
			}
		}
		mark(f.Down.LinkLost, cellLostDown)
		mark(f.Up.LinkLost, cellLostUp)
		mark(f.Up.Missed, cellMissed)
		mark(f.Stuck, cellStuck)
		y := top + rowH*float64(i)
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#f4f4f4"/>`+"\n", left, y, plotW, rowH-1)
		// Adjacent cells of one kind are one rectangle.
		keys := slices.Sorted(maps.Keys(cells))
		for i := 0; i < len(keys); {
			j := i + 1
			for j < len(keys) && keys[j] == keys[j-1]+1 && cells[keys[j]] == cells[keys[i]] {
				j++
			}
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.2f" height="%.1f" fill="%s"/>`+"\n",
				left+cellW*float64(keys[i]), y, cellW*float64(j-i), rowH-1, cellColours[cells[keys[i]]])
			i = j
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="end" font-size="8">%d</text>`+"\n", left-4, y+rowH-2, f.Index)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="8">%d / %d dropped, %d stuck</text>`+"\n", left+plotW+6, y+rowH-2, f.Down.Drops, f.Up.Drops, len(f.Stuck))
	}
	bottom := top + rowH*float64(len(r.Flaps))
	for k, name := range ifaces {
		for _, v := range []int{1, 64, 128, 192, 255} {
			x := left + cellW*(float64(k*lossColumns+v-1)+0.5)
			fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="black"/>`+"\n", x, bottom, x, bottom+4)
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="9">%d</text>`+"\n", x, bottom+14, v)
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle">%s</text>`+"\n", left+cellW*(float64(k*lossColumns)+lossColumns/2), bottom+28, html.EscapeString(name+" VRIDs, in storm order"))
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" transform="rotate(-90 %.1f %.1f)">flap</text>`+"\n", 20.0, top+(bottom-top)/2, 20.0, top+(bottom-top)/2)
	lx, ly := left, H+6
	for _, c := range cellNames {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="10" height="10" fill="%s"/><text x="%.1f" y="%.1f">%s</text>`+"\n", lx, ly, cellColours[c.kind], lx+14, ly+9, c.text)
		lx += 14 + 6.2*float64(len(c.text)) + 14
	}
	fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" fill="#333">%s</text>`+"\n", left, H+legendH+captionH/2, html.EscapeString(runCaption(r)))
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// runCaption is the conditions of a run, for its chart.
func runCaption(r result.Result) string {
	sc := r.Scenario
	parts := []string{"nlstress run " + r.Lab.RunID, "target " + string(sc.Target), fmt.Sprintf("%d VRIDs", sc.VRIDs)}
	if sc.VMAC {
		parts = append(parts, "VMACs")
	}
	parts = append(parts, fmt.Sprintf("VRRPv%d every %v", sc.Version, sc.AdvertInterval))
	if m := r.Monitor; m != nil {
		parts = append(parts, fmt.Sprintf("rcvbuf %d effective", m.Effective))
	}
	parts = append(parts, fmt.Sprintf("%s flaps", sc.FlapMode))
	if r.Host.Kernel != "" {
		parts = append(parts, "kernel "+r.Host.Kernel)
	}
	if !r.Started.IsZero() {
		parts = append(parts, r.Started.Format("2006-01-02"))
	}
	return strings.Join(parts, "; ")
}
