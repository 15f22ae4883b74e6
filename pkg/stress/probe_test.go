package stress

import (
	"strings"
	"testing"
)

func TestParseProbe(t *testing.T) {
	tests := []struct {
		name, out string
		want      []string
		err       string
	}{
		{"lines", "eth2\nnls-v0-1\n\n", []string{"eth2", "nls-v0-1"}, ""},
		{"JSON", ` ["eth2", "nls-v0-1"] `, []string{"eth2", "nls-v0-1"}, ""},
		{"nothing up", "", nil, ""},
		{"a table, not names", "eth2 UP\n", nil, "one link name per line"},
		{"JSON of another shape", `[{"name": "eth2"}]`, nil, "not an array of link names"},
	}
	for _, tt := range tests {
		got, err := ParseProbe(tt.out)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: %v, want an error saying %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || len(got) != len(tt.want) {
			t.Errorf("%s: %v %v, want %v", tt.name, got, err, tt.want)
			continue
		}
		for _, n := range tt.want {
			if !got[n] {
				t.Errorf("%s: %s not up in %v", tt.name, n, got)
			}
		}
	}
}

func FuzzParseProbe(f *testing.F) {
	f.Add("eth2\nnls-v0-1\n")
	f.Add(`["eth2"]`)
	f.Fuzz(func(t *testing.T, s string) { _, _ = ParseProbe(s) })
}
