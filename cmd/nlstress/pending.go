package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/result"
)

// newPendingCmd is a command whose work is not built yet: it says so and
// exits 2 without doing anything, rather than pretending.
func newPendingCmd(name, short, issue string) *cobra.Command {
	return &cobra.Command{
		Use:                name,
		Short:              short + " (not built yet)",
		DisableFlagParsing: true,
		RunE: func(*cobra.Command, []string) error {
			return fmt.Errorf("%s is %w (%s); nothing was run", name, result.ErrNotImplemented, issue)
		},
	}
}
