package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/target"
)

// gfm renders Markdown as GitHub does (tables included) and returns the
// HTML.
func gfm(t *testing.T, md []byte) string {
	t.Helper()
	var html bytes.Buffer
	if err := goldmark.New(goldmark.WithExtensions(extension.GFM)).Convert(md, &html); err != nil {
		t.Fatalf("GFM: %v", err)
	}
	return html.String()
}

// A run's Markdown is valid GFM: each table renders as a table with
// exactly its own rows (a line right after a table would become a row),
// and the lines to paste are a code block.
func TestRunMarkdownIsGFM(t *testing.T) {
	sc := scenario.Default()
	rec := result.Recommend(800000, result.DefaultMargin, 131072, target.KeepalivedLines)
	r := result.Result{
		Scenario: sc, Target: sc.Target,
		Lab:     result.Lab{RunID: "abc123", Interfaces: []string{"eth2"}, Instances: 255},
		Monitor: &result.Monitor{Requested: 65536, Effective: 131072, Default: true, Policy: "none", Groups: []string{"link"}},
		Flaps: []result.Flap{{Index: 1, Down: result.Phase{Storm: result.Storm{Messages: 512}}, Up: result.Phase{Storm: result.Storm{Messages: 512}},
			Stuck: []result.Instance{{VRID: 7, Interface: "eth2", State: "FAULT"}}, Recovery: result.Durations{Count: 254, P95: time.Second}}},
		Totals:         &result.Totals{LargestStorm: 800000},
		Recommendation: &rec,
		Verdict:        &result.Verdict{Status: result.StatusFail, Line: "FAIL: 1 of 255 instances stuck"},
	}
	var md bytes.Buffer
	if err := Run(&md, FormatMarkdown, r); err != nil {
		t.Fatal(err)
	}
	html := gfm(t, md.Bytes())
	if n := strings.Count(html, "<table>"); n != 2 {
		t.Fatalf("%d tables, want 2:\n%s", n, html)
	}
	tables := regexp.MustCompile(`(?s)<table>.*?</table>`).FindAllString(html, -1)
	// Header row plus down and up of the one flap; header plus the flap.
	for i, want := range []int{3, 2} {
		if rows := strings.Count(tables[i], "<tr>"); rows != want {
			t.Errorf("table %d has %d rows, want %d:\n%s", i+1, rows, want, tables[i])
		}
	}
	if !regexp.MustCompile(`(?s)<pre><code>vrrp_netlink_monitor_rcv_bufs \d+\nvrrp_netlink_monitor_rcv_bufs_force\n</code></pre>`).MatchString(html) {
		t.Errorf("the global_defs lines are not one code block:\n%s", html)
	}
	if !strings.Contains(html, "stuck after link up: VRIDs 7 on eth2 (FAULT)") {
		t.Errorf("the stuck line is lost:\n%s", html)
	}
}
