package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestFormatSet(t *testing.T) {
	var f Format
	for _, ok := range []string{"table", "json", "markdown"} {
		if err := f.Set(ok); err != nil || string(f) != ok {
			t.Errorf("Set(%q) = %v, format %q", ok, err, f)
		}
	}
	if err := f.Set("yaml"); err == nil || !strings.Contains(err.Error(), "table, json, markdown") {
		t.Errorf("Set(yaml) = %v", err)
	}
}

func TestTable(t *testing.T) {
	rows := [][]string{{"nls-a1-subject", "removed"}, {"nls-a1-peer", "removed"}}
	var text, md bytes.Buffer
	if err := Table(&text, FormatTable, []string{"object", "action"}, rows); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "nls-a1-peer") || !strings.Contains(strings.ToUpper(text.String()), "OBJECT") {
		t.Fatalf("table lacks its cells:\n%s", text.String())
	}
	if err := Table(&md, FormatMarkdown, []string{"object", "action"}, rows); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(md.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "|") || !strings.Contains(lines[1], "---") {
		t.Fatalf("not a 2-row Markdown table:\n%s", md.String())
	}
}

func TestJSON(t *testing.T) {
	var b bytes.Buffer
	if err := JSON(&b, map[string]int{"drops": 448}); err != nil {
		t.Fatal(err)
	}
	var back map[string]int
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back["drops"] != 448 {
		t.Fatalf("JSON round trip: %v %v", back, err)
	}
}
