package report

import (
	"io"

	"github.com/nlstress/nlstress/pkg/result"
)

// Gate writes the gate's comparison table: baseline, now, limit and
// verdict per metric. Its JSON is an object: schema_version and checks.
func Gate(w io.Writer, f Format, checks []result.Check) error {
	if f == FormatJSON {
		if checks == nil {
			checks = []result.Check{}
		}
		return JSON(w, struct {
			SchemaVersion int            `json:"schema_version"`
			Checks        []result.Check `json:"checks"`
		}{result.SchemaVersion, checks})
	}
	rows := make([][]string, len(checks))
	for i, c := range checks {
		v := "pass"
		switch {
		case c.Skipped:
			v = "skipped"
		case !c.Pass:
			v = "REGRESSION"
		}
		rows[i] = []string{c.Scenario, c.Metric, c.BaselineText(), c.NowText(), c.LimitText(), v}
	}
	return Table(w, f, []string{"scenario", "metric", "baseline", "now", "limit", "verdict"}, rows)
}
