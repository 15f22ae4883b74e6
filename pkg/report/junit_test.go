package report

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/result"
)

func TestJUnit(t *testing.T) {
	checks := []result.Check{
		{Scenario: "ci-gate", Metric: "kernel_drops", Baseline: "0", Now: "201", Limit: "<= 0"},
		{Scenario: "ci-gate", Metric: "stuck_instances", Baseline: "0", Now: "0", Limit: "<= 0", Pass: true},
	}
	var b bytes.Buffer
	if err := JUnit(&b, checks); err != nil {
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
