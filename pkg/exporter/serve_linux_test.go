package exporter

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/netns"
)

// serveIn serves the exporter with opt and webConfig on a listener of ns
// and returns its address, and stop, which ends it and fails the test
// unless Serve then returns nil (stop runs at the test's end too).
func serveIn(t *testing.T, ns *netns.NS, opt diagnose.Options, webConfig string) (addr string, stop func()) {
	t.Helper()
	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp", "127.0.0.1:0"); return err }); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, opt, webConfig, "test") }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve after its context ended: %v", err)
		}
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// dialIn is an http.Transport's DialContext that dials from ns.
func dialIn(ns *netns.NS) func(context.Context, string, string) (net.Conn, error) {
	return func(_ context.Context, network, addr string) (c net.Conn, err error) {
		err = ns.Do(func() error { c, err = net.Dial(network, addr); return err })
		return c, err
	}
}

// authConfig writes into dir a self-signed certificate for 127.0.0.1 and
// a web configuration serving it with basic auth for user prometheus
// with password; it returns the configuration's path and the pool that
// trusts the certificate.
func authConfig(t *testing.T, dir, password string) (string, *x509.CertPool) {
	t.Helper()
	pool := selfSigned(t, dir)
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "web-config.yml")
	conf := fmt.Sprintf("tls_server_config:\n  cert_file: %s/cert.pem\n  key_file: %s/key.pem\nbasic_auth_users:\n  prometheus: %s\n", dir, dir, hash)
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, pool
}
