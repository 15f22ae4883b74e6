package exporter

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// selfSigned writes a certificate for 127.0.0.1 and its key into dir and
// returns the pool that trusts it.
func selfSigned(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "nlstress test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	for name, block := range map[string]*pem.Block{"cert.pem": {Type: "CERTIFICATE", Bytes: der}, "key.pem": {Type: "EC PRIVATE KEY", Bytes: kder}} {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// The exporter behind a web configuration (TLS and basic auth, as
// node_exporter's): a client with the credentials scrapes over TLS; one
// without them, with wrong ones, or speaking plain HTTP gets nothing, on
// every path.
func TestServeTLSAndBasicAuth(t *testing.T) {
	roottest.Require(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	ns := l.Subject.NS
	webConfig, pool := authConfig(t, t.TempDir(), "s3cret")
	if err := CheckWebConfig(webConfig); err != nil {
		t.Fatal(err)
	}
	addr, stop := serveIn(t, ns, diagnose.Options{Namespace: lab.NamespaceName(l.RunID, lab.RoleSubject)}, webConfig)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, DialContext: dialIn(ns)}}
	get := func(scheme, path, user, pass string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s://%s%s", scheme, addr, path), nil)
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET %s: %v", req.URL, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, tt := range []struct {
		name, scheme, path, user, pass string
		code                           int
		has                            string
	}{
		{"metrics with the credentials", "https", "/metrics", "prometheus", "s3cret", http.StatusOK, "nlstress_netlink_sockets"},
		{"landing page", "https", "/", "prometheus", "s3cret", http.StatusOK, "/metrics"},
		{"liveness", "https", LivePath, "prometheus", "s3cret", http.StatusOK, "ok"},
		{"no credentials", "https", "/metrics", "", "", http.StatusUnauthorized, ""},
		{"a wrong password", "https", "/metrics", "prometheus", "guess", http.StatusUnauthorized, ""},
		{"an unknown user", "https", LivePath, "root", "s3cret", http.StatusUnauthorized, ""},
		{"plain HTTP to the TLS port", "http", "/metrics", "prometheus", "s3cret", http.StatusBadRequest, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := get(tt.scheme, tt.path, tt.user, tt.pass)
			if code != tt.code || !strings.Contains(body, tt.has) || (code != http.StatusOK && strings.Contains(body, "nlstress_")) {
				t.Fatalf("%s %s as %q: %d %q; want %d with %q", tt.scheme, tt.path, tt.user, code, body, tt.code, tt.has)
			}
		})
	}
	stop()
}
