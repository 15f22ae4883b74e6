package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/flap"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

// A run of one flap says how its downs' link messages came; a run of
// several, whose downs took more than one path, gives the rates on each;
// a run whose flaps all took one path says nothing more.
func TestPathNotes(t *testing.T) {
	batched := []flap.Burst{{At: 0, Messages: 101}, {At: 1004 * time.Millisecond, Messages: 100}, {At: 2008 * time.Millisecond, Messages: 55}}
	one := result.Result{Flaps: []result.Flap{{Index: 1, Down: result.Phase{LinkBursts: batched}}}}
	burst := result.Result{Flaps: []result.Flap{{Index: 1, Down: result.Phase{LinkBursts: []flap.Burst{{At: 3 * time.Millisecond, Span: 10 * time.Millisecond, Messages: 256}}}}}}
	mixed := result.Result{Flaps: make([]result.Flap, 2), Totals: &result.Totals{ByDownBursts: []result.PathRate{
		{DownBursts: 1, Loss: stats.Binomial(7, 7), Stuck: stats.Binomial(0, 7)},
		{DownBursts: 3, Loss: stats.Binomial(3, 3), Stuck: stats.Binomial(3, 3)},
	}}}
	single := mixed
	single.Totals = &result.Totals{ByDownBursts: mixed.Totals.ByDownBursts[:1]}
	for _, tt := range []struct {
		name string
		r    result.Result
		want []string
	}{
		{"one flap", one, []string{"flap 1: the kernel sent the downs' link messages in 3 bursts: 101 at +0.000 s, 100 at +1.004 s, 55 at +2.008 s\n"}},
		{"one flap, one burst", burst, []string{"flap 1: the kernel sent the downs' 256 link messages in one burst (over 0.010 s)\n"}},
		{"two paths", mixed, []string{
			"flaps whose downs' link messages came in one burst: lost messages in 7 of 7 flaps",
			"instances stuck after 0 of 7 flaps",
			"flaps whose downs' link messages came in 3 bursts: lost messages in 3 of 3 flaps",
		}},
		{"one path", single, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			pathNotes(&errWriter{w: &b}, tt.r)
			out := b.String()
			if len(tt.want) == 0 && out != "" {
				t.Errorf("said %q, want nothing", out)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("the notes lack %q:\n%s", w, out)
				}
			}
		})
	}
}

// A comparison whose variants' downs took two paths gives each variant's
// stuck rate on each, tested against the baseline's same path.
func TestComparePaths(t *testing.T) {
	p := 1.0
	ka, engine := compare.Summary{Verdict: "baseline"}, compare.Summary{Verdict: "more flaps stranded instances (p < 0.001)"}
	ka.Name, engine.Name = "keepalived", "engine"
	ka.ByDownBursts = []compare.PathRate{
		{PathRate: result.PathRate{DownBursts: 1, Stuck: stats.Binomial(0, 9)}},
		{PathRate: result.PathRate{DownBursts: 3, Stuck: stats.Binomial(21, 21)}},
	}
	engine.ByDownBursts = []compare.PathRate{
		{PathRate: result.PathRate{DownBursts: 1, Stuck: stats.Binomial(0, 23)}, StuckP: &p},
		{PathRate: result.PathRate{DownBursts: 3, Stuck: stats.Binomial(7, 7)}, StuckP: &p},
	}
	rep := compare.Report{Baseline: scenario.Default(), Flaps: 30, Variants: []compare.Summary{ka, engine}}
	var b bytes.Buffer
	if err := Compare(&b, FormatTable, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"By how the downs' link messages came",
		"keepalived, in 3 bursts: stranding instances in 21 of 21 flaps",
		"engine, in one burst: stranding instances in 0 of 23 flaps",
		"engine, in 3 bursts: stranding instances in 7 of 7 flaps (100 %, 95 % CI 59–100 %) (against keepalived's: p = 1)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the text lacks %q:\n%s", want, out)
		}
	}
}
