package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/report"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// versionOptions are what "nlstress version" was asked: nothing but the
// shared flags.
type versionOptions struct {
	cmdIO
}

// Validate has nothing to check.
func (o *versionOptions) Validate() error { return nil }

// Run prints the version, the Go version and the VCS revision.
func (o *versionOptions) Run() error {
	v := map[string]string{"version": version, "go": runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				v["commit"] = s.Value
			}
		}
	}
	if o.g.output == report.FormatJSON {
		return report.JSON(o.out, v)
	}
	_, err := fmt.Fprintf(o.out, "nlstress %s (%s)\n", v["version"], v["go"])
	return err
}

// newVersionCmd is "nlstress version"; runF, when set, is called with the
// options instead of Run.
func newVersionCmd(g *globals, runF func(*versionOptions) error) *cobra.Command {
	o := &versionOptions{cmdIO: cmdIO{g: g}}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print nlstress's version",
		Example: "  nlstress version\n  nlstress version -o json",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return execOptions(cmd, &o.cmdIO, o, runF) },
	}
}
