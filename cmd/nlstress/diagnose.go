package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/result"
)

func newDiagnoseCmd(g *globals) *cobra.Command {
	var opt diagnose.Options
	var watch, interval time.Duration
	cmd := &cobra.Command{
		Use:         "diagnose",
		Annotations: map[string]string{annFormats: defaultFormats + ",prometheus"},
		Short:       "Read-only look at a live host's netlink sockets and keepalived configuration",
		Long: `diagnose looks at the host it runs on and changes nothing: it creates no
namespace, sets nothing and sends nothing on the wire.

It lists every netlink socket (owner, protocol, groups, effective rcvbuf,
bytes queued now, the kernel's drop counter, NO_ENOBUFS), flags those that
dropped or are near full, and says what net.core.rmem_max means for a daemon
that sets its buffer without force. With a keepalived configuration
(--keepalived-conf, or /etc/keepalived/keepalived.conf when present) it
estimates the storm of one link flap from the instances, VMACs, addresses,
routes and rules, says whether the configured monitor buffer holds it, flags
shared routes and rules, broadcast VIPs and mass notify scripts, and gives
the lines to paste. A running keepalived's monitor socket is shown with its
drops.

Exit codes: 0 nothing found; 1 drops on a socket or a problem in the
configuration; 2 a configuration that cannot be read, or bad usage.`,
		Example: `  nlstress diagnose
  nlstress diagnose --keepalived-conf /etc/keepalived/keepalived.conf
  nlstress diagnose --all-namespaces --watch 30s
  nlstress diagnose --netns nls-1a2b3c-subject -o json
  nlstress diagnose -o prometheus > /var/lib/node_exporter/textfile/nlstress.prom`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt.ConfGiven = cmd.Flags().Changed("keepalived-conf")
			out := cmd.OutOrStdout()
			if watch > 0 {
				ctx, cancel := context.WithTimeout(cmd.Context(), watch)
				defer cancel()
				f, ok := out.(*os.File)
				terminal := ok && term.IsTerminal(int(f.Fd()))
				return diagnose.Watch(ctx, opt, interval, report.Watch(out, g.output, terminal))
			}
			rep, err := diagnose.Run(opt)
			if err != nil {
				return err
			}
			if err := report.Diagnose(out, g.output, rep); err != nil {
				return err
			}
			if n := diagnose.Problems(rep); n > 0 {
				return fmt.Errorf("%w: %d problem(s): netlink drops or an undersized keepalived monitor buffer", result.ErrFinding, n)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.Conf, "keepalived-conf", diagnose.DefaultConf, "keepalived configuration to analyse (skipped when the default is absent)")
	f.StringVar(&opt.Namespace, "netns", "", "look into this named network namespace (ip netns list) instead of the current one")
	f.BoolVar(&opt.AllNamespaces, "all-namespaces", false, "also look into every named namespace and every process's namespace")
	f.DurationVar(&watch, "watch", 0, "sample for this long and show drops per second per socket, e.g. 30s")
	f.DurationVar(&interval, "interval", time.Second, "sampling interval for --watch")
	return cmd
}
