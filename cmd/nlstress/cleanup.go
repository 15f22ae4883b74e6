package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/report"
)

func newCleanupCmd(g *globals) *cobra.Command {
	var force bool
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
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := requireRoot(); err != nil {
				return err
			}
			found, err := lab.Cleanup(force)
			if rerr := report.Cleanup(cmd.OutOrStdout(), g.output, found); rerr != nil && err == nil {
				err = rerr
			}
			if err != nil {
				return fmt.Errorf("cleanup: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "also remove labs of runs that are still in progress")
	return cmd
}
