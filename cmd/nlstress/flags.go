package main

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/target"
)

// addScenarioFlags binds a flag for every scenario field (scenario.Fields)
// into sc; for sweep, only those that are not run's own (sweep binds
// --vrids and the buffer bounds itself).
func addScenarioFlags(f *pflag.FlagSet, sc *scenario.Scenario, sweep bool) {
	for _, field := range scenario.Fields {
		if sweep && field.Run {
			continue
		}
		switch p := field.Ptr(sc).(type) {
		case *int:
			f.IntVar(p, field.Flag, *p, field.Help)
		case *bool:
			f.BoolVar(p, field.Flag, *p, field.Help)
		case *string:
			f.StringVar(p, field.Flag, *p, field.Help)
		case *time.Duration:
			f.DurationVar(p, field.Flag, *p, field.Help)
		case pflag.Value: // sizes and the enums
			f.Var(p, field.Flag, field.Help)
		}
	}
}

// completeScenarioFlags offers the values of the enum flags that
// addScenarioFlags binds, for shell completion.
func completeScenarioFlags(cmd *cobra.Command) {
	for flag, values := range map[string][]string{
		"target":         target.Names(),
		"on-overrun":     {string(scenario.PolicyNone), string(scenario.PolicyResync), string(scenario.PolicyRestart)},
		"family":         {"4", "6"},
		"vrrp-version":   {"2", "3"},
		"flap-mode":      {string(scenario.FlapAdmin), string(scenario.FlapCarrier)},
		"keepalived-log": {string(scenario.LogSyslog), string(scenario.LogConsole)},
		"flap-pattern":   {"single", "bounce:5/200ms", "stagger:500ms"},
	} {
		_ = cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
}
