package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
)

// GateRun is what JUnit reports of one gate: its checks, the time each
// scenario's run took (by scenario name), and the error that stopped the
// gate before it compared everything, if any.
type GateRun struct {
	Checks []result.Check
	Times  map[string]time.Duration
	Err    error
	// NotRun are the scenarios a stopped gate did not judge, and why:
	// each is a testsuite whose testcase "run" carries the <error>.
	NotRun map[string]string
}

// JUnit writes a gate as JUnit XML: one testsuite per scenario, one
// testcase per metric, a <failure> naming the metric, its value and its
// limit where it regressed, <skipped> where the metric cannot be measured,
// and, for a gate that stopped on an error (a missing baseline, a run
// that could not measure), a testsuite "nlstress gate" whose testcase
// "run" carries the <error>. Every suite has tests, failures, errors,
// skipped and time (seconds), as Jenkins' JUnit schema requires; CI
// systems (GitLab, Jenkins, GitHub actions reporters) read this shape.
func JUnit(w io.Writer, g GateRun) error {
	type message struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string   `xml:"name,attr"`
		Classname string   `xml:"classname,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *message `xml:"failure,omitempty"`
		Error     *message `xml:"error,omitempty"`
		Skipped   *message `xml:"skipped,omitempty"`
	}
	type counts struct {
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
	}
	type testsuite struct {
		Name string `xml:"name,attr"`
		counts
		Cases []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName xml.Name `xml:"testsuites"`
		Name    string   `xml:"name,attr"`
		counts
		Suites []testsuite `xml:"testsuite"`
	}
	seconds := func(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
	doc := testsuites{Name: "nlstress gate"}
	var total time.Duration
	index := map[string]int{}
	add := func(suite string, tc testcase, time time.Duration) {
		i, ok := index[suite]
		if !ok {
			i = len(doc.Suites)
			index[suite] = i
			doc.Suites = append(doc.Suites, testsuite{Name: suite, counts: counts{Time: seconds(time)}})
			total += time
		}
		s := &doc.Suites[i]
		switch {
		case tc.Failure != nil:
			s.Failures++
			doc.Failures++
		case tc.Error != nil:
			s.Errors++
			doc.Errors++
		case tc.Skipped != nil:
			s.Skipped++
			doc.Skipped++
		}
		s.Cases = append(s.Cases, tc)
		s.Tests++
		doc.Tests++
	}
	for _, c := range g.Checks {
		tc := testcase{Name: c.Metric, Classname: "nlstress.gate." + c.Scenario, Time: seconds(0)}
		if c.Skipped {
			tc.Skipped = &message{Message: fmt.Sprintf("%s: %s", c.Metric, c.NowText())}
		} else if !c.Pass {
			msg := fmt.Sprintf("%s regressed: now %s, limit %s (baseline %s)", c.Metric, c.NowText(), c.LimitText(), c.BaselineText())
			tc.Failure = &message{Message: msg, Type: "regression", Text: msg}
		}
		add(c.Scenario, tc, g.Times[c.Scenario])
	}
	for _, name := range slices.Sorted(maps.Keys(g.NotRun)) {
		msg := g.NotRun[name]
		add(name, testcase{Name: "run", Classname: "nlstress.gate." + name, Time: seconds(0),
			Error: &message{Message: msg, Type: "interrupted", Text: msg}}, g.Times[name])
	}
	if g.Err != nil && len(g.NotRun) == 0 {
		msg := g.Err.Error()
		add("nlstress gate", testcase{Name: "run", Classname: "nlstress.gate", Time: seconds(0),
			Error: &message{Message: msg, Type: "error", Text: msg}}, 0)
	}
	doc.Time = seconds(total)
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
