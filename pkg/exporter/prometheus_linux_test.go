package exporter

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// promAPI queries a Prometheus server's HTTP API at base through client.
type promAPI struct {
	client *http.Client
	base   string
}

// get decodes the data of a successful API answer to path into v.
func (p promAPI) get(path string, v any) error {
	resp, err := p.client.Get(p.base + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Data   json.RawMessage `json:"data"`
		Error  string          `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: %s: %w", path, body, err)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s: %s", path, env.Error)
	}
	return json.Unmarshal(env.Data, v)
}

// query is an instant query's series, as label sets.
func (p promAPI) query(expr string) ([]map[string]string, error) {
	var data struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
		} `json:"result"`
	}
	if err := p.get("/api/v1/query?query="+url.QueryEscape(expr), &data); err != nil {
		return nil, err
	}
	var out []map[string]string
	for _, r := range data.Result {
		out = append(out, r.Metric)
	}
	return out, nil
}

// values is an instant query's sample values, as Prometheus writes them.
func (p promAPI) values(expr string) ([]string, error) {
	var data struct {
		Result []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := p.get("/api/v1/query?query="+url.QueryEscape(expr), &data); err != nil {
		return nil, err
	}
	var out []string
	for _, r := range data.Result {
		out = append(out, fmt.Sprint(r.Value[1]))
	}
	return out, nil
}

// targets says how each scrape target fares, for a failure's message.
func (p promAPI) targets() string {
	var data struct {
		ActiveTargets []struct {
			ScrapeURL string `json:"scrapeUrl"`
			Health    string `json:"health"`
			LastError string `json:"lastError"`
		} `json:"activeTargets"`
	}
	if err := p.get("/api/v1/targets", &data); err != nil {
		return err.Error()
	}
	return fmt.Sprintf("%+v", data.ActiveTargets)
}

// firing is the alerts Prometheus has firing now, as label sets.
func (p promAPI) firing() ([]map[string]string, error) {
	var data struct {
		Alerts []struct {
			Labels map[string]string `json:"labels"`
			State  string            `json:"state"`
		} `json:"alerts"`
	}
	if err := p.get("/api/v1/alerts", &data); err != nil {
		return nil, err
	}
	var out []map[string]string
	for _, a := range data.Alerts {
		if a.State == "firing" {
			out = append(out, a.Labels)
		}
	}
	return out, nil
}

// poll calls f every 200 ms until it returns true or the deadline
// passes; then it fails with what f last said.
func poll(t *testing.T, what string, within time.Duration, f func() (bool, string)) {
	t.Helper()
	last := ""
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var ok bool
		if ok, last = f(); ok {
			return
		}
	}
	t.Fatalf("%s: not within %v; last: %s", what, within, last)
}

// The fleet set-up end to end, with the real thing: Debian's Prometheus
// scrapes the exporter over TLS with basic auth inside a lab namespace,
// loads the shipped alert rules, and fires the drops alert when a monitor
// with a tiny buffer overruns in a flap; every query of the shipped
// dashboard returns data from that Prometheus.
func TestPrometheusScrapesAlertsAndDashboard(t *testing.T) {
	roottest.Require(t)
	prom := roottest.Tool(t, "prometheus", "scripts/install-test-deps.sh takes it out of Debian's prometheus package")
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 64, VMAC: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	ns := l.Subject.NS
	dir := t.TempDir()

	// The exporter, over TLS with basic auth, sizing a keepalived.conf.
	webConfig, _ := authConfig(t, dir, "scrape-me")
	conf := filepath.Join(dir, "keepalived.conf")
	var b strings.Builder
	for i := 1; i <= 64; i++ {
		fmt.Fprintf(&b, "vrrp_instance VI_%d {\n  interface eth2\n  use_vmac\n  virtual_router_id %d\n  priority 100\n  advert_int 1\n  virtual_ipaddress {\n    10.1.%d.1/24\n  }\n}\n", i, i, i)
	}
	write(t, conf, b.String())
	opt := diagnose.Options{Namespace: lab.NamespaceName(l.RunID, lab.RoleSubject), Conf: conf, ConfGiven: true}
	addr, _ := serveIn(t, ns, opt, webConfig)

	// Prometheus in the same namespace, with the shipped rules.
	rules, err := filepath.Abs(filepath.Join(deploy, "nlstress-rules.yml"))
	if err != nil {
		t.Fatal(err)
	}
	promConf := filepath.Join(dir, "prometheus.yml")
	write(t, promConf, fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: nlstress
    scheme: https
    tls_config: {ca_file: %q}
    basic_auth: {username: prometheus, password: scrape-me}
    static_configs: [{targets: [%q]}]
`, rules, filepath.Join(dir, "cert.pem"), addr))
	p, err := daemon.Start(ns, exec.Command(prom, "--config.file="+promConf, "--storage.tsdb.path="+filepath.Join(dir, "tsdb"),
		"--web.listen-address=127.0.0.1:9090"), filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Stop(5 * time.Second) })
	api := promAPI{base: "http://127.0.0.1:9090", client: &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: dialIn(ns)}}}

	// A monitor that never reads, with a tiny buffer: the lab's own
	// start may already overrun it; the flap surely does, and the
	// counter Prometheus holds must rise past what it had before.
	mon, err := nlmon.Open(nlmon.Config{NetNS: ns.Fd(), RcvBuf: 4096, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	defer mon.Close()
	owner := filepath.Base(os.Args[0])
	if len(owner) > 15 {
		owner = owner[:15]
	}
	series := fmt.Sprintf(`nlstress_netlink_drops_total{owner=%q, groups=~".*link.*"}`, owner)
	var before string
	poll(t, "Prometheus scrapes the monitor", 60*time.Second, func() (bool, string) {
		s, err := api.values(series)
		if err == nil && len(s) == 1 {
			before = s[0]
		}
		return before != "", fmt.Sprint(s, err, "; targets: ", api.targets())
	})
	if err := lab.SetLink(l.Subject.Conn, l.Interfaces[0].Index, false); err != nil {
		t.Fatal(err)
	}
	poll(t, "the flap's drops reach Prometheus", 60*time.Second, func() (bool, string) {
		s, err := api.values(fmt.Sprintf("%s > %s", series, before))
		return err == nil && len(s) == 1, fmt.Sprint("before the flap ", before, "; now ", s, err)
	})
	poll(t, "the drops alert fires", 60*time.Second, func() (bool, string) {
		alerts, err := api.firing()
		for _, a := range alerts {
			if a["alertname"] == "NetlinkSocketDropping" && a["owner"] == owner {
				return true, ""
			}
		}
		return false, fmt.Sprint(alerts, err)
	})

	// Every query of the shipped dashboard returns data.
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	raw, err := os.ReadFile(filepath.Join(deploy, "nlstress-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, panel := range dash.Panels {
		for _, q := range panel.Targets {
			n++
			poll(t, fmt.Sprintf("panel %q: %s returns data", panel.Title, q.Expr), 30*time.Second, func() (bool, string) {
				s, err := api.query(q.Expr)
				return err == nil && len(s) > 0, fmt.Sprint(s, err)
			})
		}
	}
	if n < 4 {
		t.Fatalf("the dashboard has %d queries: want its four panels' at least", n)
	}
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
