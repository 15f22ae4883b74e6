package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/buildinfo"
	"github.com/nlstress/nlstress/pkg/report"
)

// version is a packager's stamp (-ldflags "-X main.version=v0.3.0"); empty,
// the module version the Go toolchain recorded is used.
var version = ""

// versionOptions are what "nlstress version" was asked: nothing but the
// shared flags.
type versionOptions struct {
	cmdIO
}

// Validate has nothing to check.
func (o *versionOptions) Validate() error { return nil }

// Run prints the build information: version, VCS revision and time,
// modified flag, Go version.
func (o *versionOptions) Run() error {
	in := buildinfo.Read(version)
	if o.g.output == report.FormatJSON {
		return report.JSON(o.out, in)
	}
	_, err := fmt.Fprintln(o.out, in)
	return err
}

// newVersionCmd is "nlstress version"; runF, when set, is called with the
// options instead of Run.
func newVersionCmd(g *globals, runF func(*versionOptions) error) *cobra.Command {
	o := &versionOptions{cmdIO: cmdIO{g: g}}
	return &cobra.Command{
		Use:     "version",
		Short:   "Print nlstress's version, VCS revision and Go version",
		Example: "  nlstress version\n  nlstress version -o json\n  nlstress --version",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return execOptions(cmd, &o.cmdIO, o, runF) },
	}
}
