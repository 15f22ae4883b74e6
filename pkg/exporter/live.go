package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/nlstress/nlstress/pkg/diagnose"
)

// NewCollector returns a collector of what diagnose.Run finds with opt at
// each scrape: the sockets, and the keepalived and FRR configurations
// sized. With counter it also keeps nlstress_netlink_drops_total across
// scrapes.
func NewCollector(opt diagnose.Options, counter bool) *Collector {
	return newCollector(func() (diagnose.Report, error) { return diagnose.Run(opt) }, counter)
}

// shutdownGrace bounds how long Serve waits for scrapes in flight when
// it stops.
const shutdownGrace = 5 * time.Second

// Paths Serve answers besides /metrics.
const (
	// LivePath answers 200 while the exporter runs: a liveness probe's
	// path, which looks at nothing on the host.
	LivePath = "/healthz"
)

// CheckWebConfig reads a web configuration file (TLS and basic auth, as
// node_exporter's --web.config.file) and says what is wrong with it.
func CheckWebConfig(path string) error {
	if err := web.Validate(path); err != nil {
		return fmt.Errorf("web configuration %s: %w", path, err)
	}
	return nil
}

// Serve serves /metrics on ln, the sockets and configurations
// diagnose.Run finds with opt looked at afresh at each request and the
// drop counter kept across them, until ctx ends; then it stops cleanly and
// returns nil. webConfig, when not empty, is a web configuration file
// (TLS, basic auth: CheckWebConfig) applied to every path, the landing
// page at / and LivePath included.
func Serve(ctx context.Context, ln net.Listener, opt diagnose.Options, webConfig, version string) error {
	reg, err := Registry(NewCollector(opt, true))
	if err != nil {
		return err
	}
	landing, err := web.NewLandingPage(web.LandingConfig{
		Name:        "nlstress",
		Description: "Netlink sockets of this host (drops, buffers, queues) and the storm its keepalived and FRR configurations make: nlstress diagnose --listen",
		Version:     version,
		Links:       []web.LandingLinks{{Address: "/metrics", Text: "Metrics"}, {Address: LivePath, Text: "Liveness"}},
	})
	if err != nil {
		return fmt.Errorf("landing page: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.HandleFunc(LivePath, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.Handle("/", landing)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	noSystemd := false
	go func() {
		done <- web.Serve(ln, srv, &web.FlagConfig{WebListenAddresses: &[]string{}, WebSystemdSocket: &noSystemd, WebConfigFile: &webConfig}, slog.Default())
	}()
	slog.Info("serving netlink metrics", "address", ln.Addr().String(), "path", "/metrics", "web_config", webConfig)
	select {
	case err := <-done:
		return fmt.Errorf("serve metrics on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("stop serving metrics: %w", err)
	}
	return nil
}
