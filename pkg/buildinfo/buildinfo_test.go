package buildinfo

import (
	"encoding/json"
	"runtime/debug"
	"testing"
)

func TestFrom(t *testing.T) {
	checkout := []debug.BuildSetting{
		{Key: "vcs.revision", Value: "2b0a8bf1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7"},
		{Key: "vcs.time", Value: "2026-12-05T15:07:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}
	for _, tt := range []struct {
		name     string
		main     string
		settings []debug.BuildSetting
		stamp    string
		want     string
	}{
		{"go install at a tag", "v0.3.0", nil, "", "nlstress v0.3.0 (go1.26.8)"},
		{"a modified checkout", "(devel)", checkout, "", "nlstress (devel) (rev 2b0a8bf1c2d3, 2026-12-05T15:07:00Z, modified, go1.26.8)"},
		{"the packager's stamp wins", "(devel)", checkout[:2], "v0.3.0-4-g2b0a8bf", "nlstress v0.3.0-4-g2b0a8bf (rev 2b0a8bf1c2d3, 2026-12-05T15:07:00Z, go1.26.8)"},
		{"no version at all", "", nil, "", "nlstress (devel) (go1.26.8)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/nlstress/nlstress", Version: tt.main}, Settings: tt.settings}
			in := From(bi, tt.stamp)
			if got := in.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
			if in.SchemaVersion != SchemaVersion {
				t.Fatalf("schema_version %d", in.SchemaVersion)
			}
		})
	}
}

func TestJSONKeys(t *testing.T) {
	b, err := json.Marshal(Info{SchemaVersion: 1, Version: "v1", Go: "go1.26.8"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"schema_version", "version", "modified", "go"} {
		if _, ok := m[k]; !ok {
			t.Fatalf("JSON %s lacks %q", b, k)
		}
	}
}

// TestReadThisBinary: the test binary has build information too.
func TestReadThisBinary(t *testing.T) {
	in := Read("")
	if in.Go == "" || in.Go == "unknown" || in.Version == "" {
		t.Fatalf("Read() = %+v", in)
	}
}
