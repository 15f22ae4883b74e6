package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nlstress/nlstress/pkg/buildinfo"
	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/exporter"
	"github.com/nlstress/nlstress/pkg/outfile"
	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/result"
)

// diagnoseOptions are what "nlstress diagnose" was asked.
type diagnoseOptions struct {
	cmdIO
	diagnose.Options
	// Watch samples for this long, every Interval; Textfile also writes
	// the metrics there; Listen serves them at this address instead.
	Watch, Interval  time.Duration
	Textfile, Listen string
	// WebConfig is --listen's TLS and basic auth (--web.config.file).
	WebConfig string
}

// Validate checks the combination of flags and the file to write.
func (o *diagnoseOptions) Validate() error {
	o.ConfGiven, o.FRRConfGiven = o.changed("keepalived-conf"), o.changed("frr-conf")
	if err := outfile.Check(o.Textfile); err != nil {
		return fmt.Errorf("--textfile: %w", err)
	}
	if strings.ContainsAny(o.ConfigID, " \t") {
		return fmt.Errorf("--config-id %q: an id is one word, as keepalived's @ID lines write it", o.ConfigID)
	}
	if o.Watch < 0 {
		return fmt.Errorf("--watch %v: want a duration to watch for (30s), or 0 to look once", o.Watch)
	}
	if o.Interval <= 0 {
		return fmt.Errorf("--interval %v: want a positive sampling interval (1s)", o.Interval)
	}
	if o.Listen != "" && (o.Watch > 0 || o.Textfile != "") {
		return errors.New("--listen serves metrics until stopped: it takes neither --watch nor --textfile")
	}
	if o.WebConfig != "" && o.Listen == "" {
		return errors.New("--web.config.file secures --listen: give --listen too")
	}
	if o.WebConfig != "" {
		if err := exporter.CheckWebConfig(o.WebConfig); err != nil {
			return fmt.Errorf("--web.config.file: %w", err)
		}
	}
	return nil
}

// Run serves the metrics (--listen), watches (--watch) or looks once and
// reports, exiting 1 on a problem found.
func (o *diagnoseOptions) Run() error {
	switch {
	case o.Listen != "":
		ln, err := net.Listen("tcp", o.Listen)
		if err != nil {
			return fmt.Errorf("--listen %s: %w", o.Listen, err)
		}
		return exporter.Serve(o.ctx, ln, o.Options, o.WebConfig, buildinfo.Read(version).Version)
	case o.Watch > 0:
		ctx, cancel := context.WithTimeout(o.ctx, o.Watch)
		defer cancel()
		f, ok := o.out.(*os.File)
		terminal := ok && term.IsTerminal(int(f.Fd()))
		return diagnose.Watch(ctx, o.Options, o.Interval, report.Watch(o.out, o.g.output, terminal))
	}
	rep, err := diagnose.Run(o.Options)
	if err != nil {
		return err
	}
	if o.Textfile != "" {
		reg, err := exporter.Registry(exporter.Static(rep))
		if err != nil {
			return err
		}
		if err := exporter.WriteTextfile(o.Textfile, reg); err != nil {
			return fmt.Errorf("--textfile: %w", err)
		}
	}
	if err := report.Diagnose(o.out, o.g.output, rep); err != nil {
		return err
	}
	if n := diagnose.Problems(rep); n > 0 {
		return fmt.Errorf("%w: %d problem(s): netlink drops, or a monitor buffer (keepalived's, zebra's) too small for its configuration", result.ErrFinding, n)
	}
	return nil
}

// newDiagnoseCmd is "nlstress diagnose"; runF, when set, is called with
// the validated options instead of Run.
func newDiagnoseCmd(g *globals, runF func(*diagnoseOptions) error) *cobra.Command {
	o := &diagnoseOptions{cmdIO: cmdIO{g: g}}
	opt := &o.Options
	cmd := &cobra.Command{
		Use:         "diagnose",
		Annotations: map[string]string{annFormats: defaultFormats + ",prometheus"},
		Short:       "Read-only look at a live host's netlink sockets and its keepalived and FRR configurations",
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

FRR: a running zebra's two sockets with groups are named (netlink-listen,
which tells every FRR daemon about links, and netlink-dp-in, addresses for
its dataplane thread) with their drops, and its --nl-bufsize is read from
its command line (else from zebra_options in /etc/frr/daemons, else zebra's
default, 4 MiB). With a FRR configuration (--frr-conf, or /etc/frr/frr.conf
when present) it counts the vrrp routers and the macvlans they need per
interface, estimates the storm of the busiest interface's flap on zebra's
socket, and gives zebra's option when the buffer is short.

For Prometheus: -o prometheus prints one scrape; --textfile PATH writes it
atomically for node_exporter's textfile collector (also when drops were
found, before exiting 1); --listen ADDR serves /metrics as an exporter until
stopped, with a drop counter that survives sockets closing.

Exit codes: 0 nothing found; 1 drops on a socket or a problem in the
configuration; 2 a configuration that cannot be read, or bad usage.`,
		Example: `  nlstress diagnose
  nlstress diagnose --keepalived-conf /etc/keepalived/keepalived.conf
  nlstress diagnose --keepalived-conf fleet.conf --config-id lb1
  nlstress diagnose --frr-conf /etc/frr/frr.conf
  nlstress diagnose --all-namespaces --watch 30s
  nlstress diagnose --netns nls-1a2b3c-subject -o json
  nlstress diagnose --textfile /var/lib/node_exporter/textfile/nlstress.prom
  nlstress diagnose --listen :9917
  nlstress diagnose --listen :9917 --web.config.file /etc/nlstress/web-config.yml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return execOptions(cmd, &o.cmdIO, o, runF) },
	}
	f := cmd.Flags()
	f.StringVar(&opt.Conf, "keepalived-conf", diagnose.DefaultConf, "keepalived configuration to analyse (skipped when the default is absent)")
	f.StringVar(&opt.ConfigID, "config-id", "", "keepalived's --config-id for the configuration's @ID lines (read) and @^ID lines (dropped); unset: the host's name up to its first dot, as keepalived does")
	f.StringVar(&opt.FRRConf, "frr-conf", diagnose.DefaultFRRConf, "FRR configuration whose vrrp routers to size against zebra's --nl-bufsize (skipped when the default is absent)")
	f.StringVar(&opt.Namespace, "netns", "", "look into this named network namespace (ip netns list) instead of the current one")
	f.BoolVar(&opt.AllNamespaces, "all-namespaces", false, "also look into every named namespace and every process's namespace")
	f.DurationVar(&o.Watch, "watch", 0, "sample for this long and show drops per second per socket, e.g. 30s")
	f.DurationVar(&o.Interval, "interval", time.Second, "sampling interval for --watch")
	f.StringVar(&o.Textfile, "textfile", "", "also write the metrics to this file, atomically, for node_exporter's textfile collector (e.g. /var/lib/node_exporter/textfile/nlstress.prom)")
	f.StringVar(&o.Listen, "listen", "", "serve the metrics at http://ADDR/metrics until stopped, as an exporter (e.g. :9917 or 127.0.0.1:9917)")
	f.StringVar(&o.WebConfig, "web.config.file", "", "TLS and basic auth for --listen: a web configuration file as node_exporter's (tls_server_config, basic_auth_users)")
	return cmd
}
