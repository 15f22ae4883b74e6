package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/report"
)

// cleanupOptions are what "nlstress cleanup" was asked.
type cleanupOptions struct {
	cmdIO
	// Force removes the labs of runs still in progress too.
	Force bool
}

// Validate checks that nlstress runs as root, which removing namespaces
// needs.
func (o *cleanupOptions) Validate() error { return requireRoot() }

// Run removes the labs left behind and says what it removed.
func (o *cleanupOptions) Run() error {
	found, err := lab.Cleanup(o.Force)
	if rerr := report.Cleanup(o.out, o.g.output, found); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	return nil
}

// newCleanupCmd is "nlstress cleanup"; runF, when set, is called with the
// validated options instead of Run.
func newCleanupCmd(g *globals, runF func(*cleanupOptions) error) *cobra.Command {
	o := &cleanupOptions{cmdIO: cmdIO{g: g}}
	cmd := &cobra.Command{
		Use:   "cleanup",
		Short: "Remove labs left behind by killed or --keep-lab runs",
		Long: `cleanup removes every network namespace named nls-* under /run/netns and every
run directory under /run/nlstress whose owning nlstress process is gone (a run
killed with SIGKILL, or one run with --keep-lab). Labs of runs still in
progress are kept unless --force is given. It prints what it removed.`,
		Example: `  nlstress cleanup
  nlstress cleanup --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return execOptions(cmd, &o.cmdIO, o, runF) },
	}
	cmd.Flags().BoolVar(&o.Force, "force", false, "also remove labs of runs that are still in progress")
	return cmd
}
