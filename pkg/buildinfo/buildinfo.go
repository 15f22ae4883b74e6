// Package buildinfo says which nlstress this is, from what the Go
// toolchain wrote into the binary: the module version (set by go install
// MODULE@VERSION, or by the packager's -ldflags), the VCS revision and
// time of a build from a checkout, whether that checkout had changes, and
// the Go version.
package buildinfo

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// SchemaVersion is the version of Info's JSON form.
const SchemaVersion = 1

// Info is what a binary knows about its own build.
type Info struct {
	SchemaVersion int `json:"schema_version"`
	// Version is the module version ("v0.3.0"), the packager's stamp, or
	// "(devel)" for a build from a checkout.
	Version string `json:"version"`
	// Revision and Time are the VCS commit and its time, when built
	// from a checkout; Modified says the checkout had changes.
	Revision string `json:"revision,omitempty"`
	Time     string `json:"time,omitempty"`
	Modified bool   `json:"modified"`
	// Go is the toolchain that built the binary ("go1.26.8").
	Go string `json:"go"`
}

// Read returns the running binary's build information. stamp, when not
// empty, is a version set at link time (-X main.version=...), which wins
// over the module's.
func Read(stamp string) Info {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Info{SchemaVersion: SchemaVersion, Version: orDevel(stamp), Go: "unknown"}
	}
	return From(bi, stamp)
}

// From reads bi as Read does: the testable half.
func From(bi *debug.BuildInfo, stamp string) Info {
	in := Info{SchemaVersion: SchemaVersion, Version: bi.Main.Version, Go: bi.GoVersion}
	if stamp != "" {
		in.Version = stamp
	}
	in.Version = orDevel(in.Version)
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			in.Revision = s.Value
		case "vcs.time":
			in.Time = s.Value
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

func orDevel(v string) string {
	if v == "" {
		return "(devel)"
	}
	return v
}

// String is the one line "nlstress version" prints:
// "nlstress v0.3.0 (rev 2b0a8bf1c2d3, 2026-12-05T15:07:00Z, modified; go1.26.8)".
func (in Info) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nlstress %s (", in.Version)
	if in.Revision != "" {
		rev := in.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		fmt.Fprintf(&b, "rev %s, ", rev)
		if in.Time != "" {
			fmt.Fprintf(&b, "%s, ", in.Time)
		}
		if in.Modified {
			b.WriteString("modified, ")
		}
	}
	fmt.Fprintf(&b, "%s)", in.Go)
	return b.String()
}
