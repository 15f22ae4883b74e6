package exporter

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// The exporter, served inside a lab namespace and scraped over HTTP
// there, shows a monitor socket that overran: its drops as a gauge and as
// a counter, which keeps them after the socket closed. promtool accepts
// every scrape.
func TestServeScrapedAndCheckedByPromtool(t *testing.T) {
	roottest.Require(t)
	promtool := roottest.Tool(t, "promtool", "scripts/install-test-deps.sh takes it out of Debian's prometheus package")
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 64, VMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	ns := l.Subject.NS

	// A monitor that never reads, with a tiny buffer: a flap of eth2
	// overruns it.
	mon, err := nlmon.Open(nlmon.Config{NetNS: ns.Fd(), RcvBuf: 4096, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := lab.SetLink(l.Subject.Conn, l.Interfaces[0].Index, false); err != nil {
		t.Fatal(err)
	}

	addr, stop := serveIn(t, ns, diagnose.Options{Namespace: lab.NamespaceName(l.RunID, lab.RoleSubject)}, "")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: dialIn(ns)}}
	url := fmt.Sprintf("http://%s/metrics", addr)
	owner := filepath.Base(os.Args[0])
	if len(owner) > 15 {
		owner = owner[:15] // a comm is 15 bytes
	}
	// scrape scrapes the exporter, checks the text with promtool, and
	// returns the metrics of this test process's route socket with
	// groups, by name.
	scrape := func() map[string]float64 {
		t.Helper()
		resp, err := client.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		text, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("scrape: %v %s: %s", err, resp.Status, text)
		}
		check(t, promtool, text)
		p := expfmt.NewTextParser(model.UTF8Validation)
		mfs, err := p.TextToMetricFamilies(strings.NewReader(string(text)))
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for name, mf := range mfs {
			for _, m := range mf.GetMetric() {
				labels := map[string]string{}
				for _, l := range m.Label {
					labels[l.GetName()] = l.GetValue()
				}
				if labels["owner"] != owner || labels["protocol"] != "route" || labels["groups"] == "" || name == nameInfo {
					continue
				}
				if m.Counter != nil {
					out[name] = m.Counter.GetValue()
				} else {
					out[name] = m.Gauge.GetValue()
				}
			}
		}
		return out
	}
	// The VMACs follow eth2 through linkwatch, later: wait for drops.
	var m map[string]float64
	for deadline := time.Now().Add(10 * time.Second); m[nameDrops] == 0; {
		if time.Now().After(deadline) {
			t.Fatalf("no drops on the monitor after a flap of 64 VMACs: %v", m)
		}
		m = scrape()
	}
	if m[nameDropsTot] != m[nameDrops] || m[nameSockets] != 1 {
		t.Fatalf("while the monitor is open: %v; want one socket and the same drops on the gauge and the counter", m)
	}
	total := m[nameDropsTot]
	if err := mon.Close(); err != nil {
		t.Fatal(err)
	}
	after := scrape()
	if _, open := after[nameDrops]; open {
		t.Fatalf("the closed monitor is still on the gauge: %v", after)
	}
	if after[nameDropsTot] != total {
		t.Fatalf("counter %v after the socket closed, want %v kept", after[nameDropsTot], total)
	}
	stop()
}
