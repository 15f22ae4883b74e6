package report

import (
	"bytes"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/roottest"
)

func num(v float64) *float64 { return &v }

func TestJUnit(t *testing.T) {
	checks := []result.Check{
		{Scenario: "ci-gate", Metric: "kernel_drops", Unit: "messages", Baseline: num(0), Now: num(201), Limit: result.Limit{Max: num(0)}},
		{Scenario: "ci-gate", Metric: "stuck_instances", Unit: "instances", Baseline: num(0), Now: num(0), Limit: result.Limit{Max: num(0)}, Pass: true},
	}
	var b bytes.Buffer
	if err := JUnit(&b, GateRun{Checks: checks, Times: map[string]time.Duration{"ci-gate": 1500 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 1 || doc.Suites[0].Name != "ci-gate" {
		t.Fatalf("doc %+v", doc)
	}
	c := doc.Suites[0].Cases[0]
	if c.Name != "kernel_drops" || c.Failure == nil || !strings.Contains(c.Failure.Message, "now 201, limit <= 0") {
		t.Fatalf("failing case %+v", c)
	}
	if doc.Suites[0].Cases[1].Failure != nil {
		t.Fatal("a passing check has a failure")
	}
}

// Every suite carries the attributes Jenkins' JUnit schema requires
// (tests, failures, errors, skipped, time), testcases their time, and a
// gate that stopped on an error still writes a file with an error case.
func TestJUnitSchemaAndErrors(t *testing.T) {
	checks := []result.Check{
		{Scenario: "ka", Metric: "books_balance", Unit: "balanced", Limit: result.Limit{Min: num(1)}, Skipped: true},
		{Scenario: "ka", Metric: "kernel_drops", Unit: "messages", Now: num(0), Limit: result.Limit{Max: num(0)}, Pass: true},
	}
	var b bytes.Buffer
	err := JUnit(&b, GateRun{Checks: checks, Times: map[string]time.Duration{"ka": 2 * time.Second}, Err: errors.New("gate ci: no baseline")})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    string `xml:"tests,attr"`
		Failures string `xml:"failures,attr"`
		Errors   string `xml:"errors,attr"`
		Skipped  string `xml:"skipped,attr"`
		Time     string `xml:"time,attr"`
		Suites   []struct {
			Name, Tests, Failures, Errors, Skipped, Time string `xml:",attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, b.String())
	}
	if doc.Tests != "3" || doc.Failures != "0" || doc.Errors != "1" || doc.Skipped != "1" || doc.Time != "2.000" {
		t.Fatalf("testsuites %+v", doc)
	}
	for _, attr := range []string{`<testsuite name="ka" tests="2" failures="0" errors="0" skipped="1" time="2.000">`,
		`<testsuite name="nlstress gate" tests="1" failures="0" errors="1" skipped="0" time="0.000">`,
		`<testcase name="run" classname="nlstress.gate" time="0.000">`, `<error message="gate ci: no baseline" type="error">`,
		`<skipped message="books_balance: not measurable">`} {
		if !strings.Contains(b.String(), attr) {
			t.Errorf("JUnit lacks %s:\n%s", attr, b.String())
		}
	}
}

// The gate's JUnit validates with xmllint against testdata/junit.xsd (the
// format as Jenkins reads it: errors and time on every suite, one outcome
// per case) for each outcome: pass, regression, skipped, and a gate that
// stopped on an error. The schema rejects what Jenkins rejects (a suite
// without errors), so a pass means something.
func TestJUnitValidatesAgainstXSD(t *testing.T) {
	xmllint := roottest.Tool(t, "xmllint", "apt-get install libxml2-utils; scripts/install-test-deps.sh does")
	checks := []result.Check{
		{Scenario: "ci-gate", Metric: "kernel_drops", Unit: "messages", Baseline: num(0), Now: num(201), Limit: result.Limit{Max: num(0)}},
		{Scenario: "ci-gate", Metric: "stuck_instances", Unit: "instances", Baseline: num(0), Now: num(0), Limit: result.Limit{Max: num(0)}, Pass: true},
		{Scenario: "ka", Metric: "books_balance", Unit: "balanced", Limit: result.Limit{Min: num(1)}, Skipped: true},
	}
	for _, tc := range []struct {
		name string
		run  GateRun
	}{
		{"checks", GateRun{Checks: checks, Times: map[string]time.Duration{"ci-gate": 1500 * time.Millisecond}}},
		{"error before any check", GateRun{Err: errors.New(`gate: scenario "x": no baseline <results/x.json> & "quotes"`)}},
		{"checks then error", GateRun{Checks: checks[:1], Err: errors.New("lab failed")}},
		{"stopped by a signal", GateRun{Checks: checks[:2], Err: errors.New("gate ka: interrupted by SIGTERM"),
			NotRun: map[string]string{"ka": "stopped during its run: interrupted by SIGTERM", "field": "not run: interrupted by SIGTERM"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := JUnit(&b, tc.run); err != nil {
				t.Fatal(err)
			}
			if out, err := validateXSD(t, xmllint, b.Bytes()); err != nil {
				t.Fatalf("xmllint --schema: %v: %s\n%s", err, out, b.String())
			}
		})
	}
	t.Run("schema rejects a suite without errors", func(t *testing.T) {
		bad := `<?xml version="1.0"?><testsuites tests="0" failures="0" errors="0" skipped="0" time="0">` +
			`<testsuite name="a" tests="0" failures="0" skipped="0" time="0"/></testsuites>`
		out, err := validateXSD(t, xmllint, []byte(bad))
		if err == nil || !strings.Contains(string(out), "errors") {
			t.Fatalf("xmllint accepted a suite without errors: %v: %s", err, out)
		}
	})
}

// A stopped gate's JUnit has the finished scenario's checks as they are
// and one error case per scenario it did not judge.
func TestJUnitStoppedGate(t *testing.T) {
	checks := []result.Check{{Scenario: "ci-gate", Metric: "kernel_drops", Unit: "messages", Now: num(0), Limit: result.Limit{Max: num(0)}, Pass: true}}
	var b bytes.Buffer
	err := JUnit(&b, GateRun{Checks: checks, Err: errors.New("gate ka: interrupted by SIGTERM"),
		NotRun: map[string]string{"ka": "stopped during its run: interrupted by SIGTERM", "field": "not run: interrupted by SIGTERM"}})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests  int `xml:"tests,attr"`
		Errors int `xml:"errors,attr"`
		Suites []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name  string `xml:"name,attr"`
				Error *struct {
					Message string `xml:"message,attr"`
				} `xml:"error"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 3 || doc.Errors != 2 || len(doc.Suites) != 3 || doc.Suites[0].Name != "ci-gate" || doc.Suites[0].Cases[0].Error != nil {
		t.Fatalf("%s", b.String())
	}
	for _, s := range doc.Suites[1:] {
		if len(s.Cases) != 1 || s.Cases[0].Error == nil || !strings.Contains(s.Cases[0].Error.Message, "SIGTERM") {
			t.Fatalf("suite %s: %+v", s.Name, s.Cases)
		}
	}
}

// validateXSD runs xmllint --schema testdata/junit.xsd on doc.
func validateXSD(t *testing.T, xmllint string, doc []byte) ([]byte, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "junit.xml")
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	return exec.Command(xmllint, "--noout", "--schema", filepath.Join("testdata", "junit.xsd"), path).CombinedOutput()
}
