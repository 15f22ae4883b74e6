package report

import (
	"encoding/xml"
	"fmt"
	"io"

	"github.com/nlstress/nlstress/pkg/result"
)

// JUnit writes gate checks as JUnit XML: one testsuite per scenario, one
// testcase per metric, a <failure> naming the metric, its value and its
// limit where it regressed, <skipped> where the metric cannot be measured. CI systems (GitLab, Jenkins, GitHub actions
// reporters) read this shape.
func JUnit(w io.Writer, checks []result.Check) error {
	type failure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
		Text    string `xml:",chardata"`
	}
	type skipped struct {
		Message string `xml:"message,attr"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Failure   *failure `xml:"failure,omitempty"`
		Skipped   *skipped `xml:"skipped,omitempty"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName  xml.Name    `xml:"testsuites"`
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	doc := testsuites{Name: "nlstress gate"}
	index := map[string]int{}
	for _, c := range checks {
		i, ok := index[c.Scenario]
		if !ok {
			i = len(doc.Suites)
			index[c.Scenario] = i
			doc.Suites = append(doc.Suites, testsuite{Name: c.Scenario})
		}
		tc := testcase{Name: c.Metric, Classname: "nlstress.gate." + c.Scenario}
		if c.Skipped {
			tc.Skipped = &skipped{Message: fmt.Sprintf("%s: %s", c.Metric, c.Now)}
		} else if !c.Pass {
			msg := fmt.Sprintf("%s regressed: now %s, limit %s (baseline %s)", c.Metric, c.Now, c.Limit, c.Baseline)
			tc.Failure = &failure{Message: msg, Type: "regression", Text: msg}
			doc.Suites[i].Failures++
			doc.Failures++
		}
		doc.Suites[i].Cases = append(doc.Suites[i].Cases, tc)
		doc.Suites[i].Tests++
		doc.Tests++
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("render junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// Gate writes the gate's comparison table: baseline, now, limit and
// verdict per metric.
func Gate(w io.Writer, f Format, checks []result.Check) error {
	if f == FormatJSON {
		if checks == nil {
			checks = []result.Check{}
		}
		return JSON(w, checks)
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
		rows[i] = []string{c.Scenario, c.Metric, c.Baseline, c.Now, c.Limit, v}
	}
	return Table(w, f, []string{"scenario", "metric", "baseline", "now", "limit", "verdict"}, rows)
}
