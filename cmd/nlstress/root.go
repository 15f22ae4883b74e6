package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/buildinfo"
	"github.com/nlstress/nlstress/pkg/report"
)

// Command annotations the root reads: the output formats a command writes
// (comma-separated; defaultFormats when absent), and that its progress
// logs are quiet unless --verbose.
const (
	annFormats     = "nlstress/formats"
	annQuietLogs   = "nlstress/quiet-logs"
	defaultFormats = "table,json,markdown"
)

// globals are the flags every command shares.
type globals struct {
	verbose bool
	output  report.Format
}

// formatsOf is the output formats a command writes (annFormats).
func formatsOf(cmd *cobra.Command) []string {
	formats := cmd.Annotations[annFormats]
	if formats == "" {
		formats = defaultFormats
	}
	return strings.Split(formats, ",")
}

// cmdIO is what every command's options hold of the command line they
// came from: the shared flags, the context, where to write, and which
// flags were given.
type cmdIO struct {
	g       *globals
	ctx     context.Context
	out     io.Writer
	errOut  io.Writer
	changed func(flag string) bool
}

// validator is a command's options: Validate checks them and resolves
// what they make (a scenario), Run does the command's work.
type validator interface {
	Validate() error
	Run() error
}

// execOptions fills in c from cmd, validates o and runs it: through runF when set
// (tests), else o.Run.
func execOptions[O validator](cmd *cobra.Command, c *cmdIO, o O, runF func(O) error) error {
	c.ctx, c.out, c.errOut, c.changed = cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), cmd.Flags().Changed
	if err := o.Validate(); err != nil {
		return err
	}
	if runF != nil {
		return runF(o)
	}
	return o.Run()
}

// newRootCmd is nlstress's root command, with every command running for
// real.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	return buildRoot(stdout, stderr, false)
}

// errValidated ends a command of a root built with seams: its options
// were validated and its work was not done.
var errValidated = errors.New("options validated; nothing run")

// seam is a command's runF: nil (run for real), or, with validated, one
// that stops after Validate with errValidated.
func seam[O any](validated bool) func(O) error {
	if !validated {
		return nil
	}
	return func(O) error { return errValidated }
}

// buildRoot is the root command; with validated, every command stops
// after validating its options (tests of examples: no lab).
func buildRoot(stdout, stderr io.Writer, validated bool) *cobra.Command {
	cobra.EnableTraverseRunHooks = true
	g := &globals{output: report.FormatTable}
	root := &cobra.Command{
		Use:   "nlstress",
		Short: "Stress-test and diagnose Linux netlink consumers such as keepalived",
		Long: `nlstress measures what a daemon's rtnetlink monitor socket loses when a link
flap makes the kernel send a storm of messages, and which receive buffer would
have been enough. It builds a throw-away lab of network namespaces (all named
nls-*), runs VRRP routers in it, flaps links, and reports netlink drops and
per-instance recovery. It never changes the host's own network namespace.

Exit codes: 0 ok, 1 a finding (loss, stuck instances, regression),
2 usage or environment error.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			level := slog.LevelInfo
			switch {
			case g.verbose:
				level = slog.LevelDebug
			case g.output == report.FormatJSON, cmd.Annotations[annQuietLogs] != "":
				// Machine output (stdout is JSON), or a command whose
				// progress bar says enough (sweep's dozens of runs):
				// only warnings.
				level = slog.LevelWarn
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})))
			if formats := formatsOf(cmd); !slices.Contains(formats, string(g.output)) {
				return fmt.Errorf("--output %s: %s writes %s", g.output, cmd.Name(), strings.Join(formats, ", "))
			}
			return nil
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(plainFlagError)
	// --version prints what "nlstress version" prints.
	root.Version = buildinfo.Read(version).String()
	root.SetVersionTemplate("{{.Version}}\n")
	root.PersistentFlags().BoolVarP(&g.verbose, "verbose", "v", false, "log details (host rmem sysctls, lab steps) to stderr")
	root.AddCommand(
		newRunCmd(g, seam[*runOptions](validated)),
		newCleanupCmd(g, seam[*cleanupOptions](validated)),
		newVersionCmd(g, seam[*versionOptions](validated)),
		newSweepCmd(g, seam[*sweepOptions](validated)),
		newGateCmd(g, seam[*gateOptions](validated)),
		newDiagnoseCmd(g, seam[*diagnoseOptions](validated)),
		newCompareCmd(g, seam[*compareOptions](validated)),
	)
	root.AddCommand(newGendocsCmd(g, root, seam[*gendocsOptions](validated)))
	// -o is each command's own, so that its help and its completion list
	// only the formats that command writes.
	for _, cmd := range root.Commands() {
		formats := formatsOf(cmd)
		cmd.Flags().VarP(&g.output, "output", "o", "output format: "+strings.Join(formats, ", "))
		_ = cmd.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
	}
	return root
}
