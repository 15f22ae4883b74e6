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

	"github.com/nlstress/nlstress/pkg/diagnose"
)

// NewCollector returns a collector of the sockets diagnose.Sockets lists
// with opt at each scrape. With counter it also keeps
// nlstress_netlink_drops_total across scrapes.
func NewCollector(opt diagnose.Options, counter bool) *Collector {
	return newCollector(func() ([]diagnose.Socket, error) { return diagnose.Sockets(opt) }, counter)
}

// shutdownGrace bounds how long Serve waits for scrapes in flight when
// it stops.
const shutdownGrace = 5 * time.Second

// Serve serves /metrics on ln, the sockets diagnose.Sockets lists with
// opt scraped afresh at each request and the drop counter kept across
// them, until ctx ends; then it stops cleanly and returns nil.
func Serve(ctx context.Context, ln net.Listener, opt diagnose.Options) error {
	reg, err := Registry(NewCollector(opt, true))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, "nlstress netlink exporter: metrics at /metrics")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	slog.Info("serving netlink metrics", "address", ln.Addr().String(), "path", "/metrics")
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
