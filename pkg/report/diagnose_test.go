package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

func TestSocketTableGroupsAndFlags(t *testing.T) {
	ka := func(inode, drops uint32, groups []string) diagnose.Socket {
		return diagnose.Socket{Namespace: "current", GroupNames: groups,
			Socket: sockdiag.Socket{Inode: inode, PID: 42, Comm: "keepalived", PortID: 42, RcvBuf: 131072, Drops: drops}}
	}
	socks := []diagnose.Socket{ka(1, 0, nil), ka(2, 454, []string{"link", "ipv4-ifaddr"})}
	var b bytes.Buffer
	if err := SocketTable(&b, FormatMarkdown, socks); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 4 || !strings.Contains(lines[2], "keepalived (pid 42)") || strings.Contains(lines[3], "keepalived") {
		t.Fatalf("want the owner named once, on its first socket:\n%s", b.String())
	}
	if !strings.Contains(lines[3], "DROPS") || !strings.Contains(lines[3], "link,ipv4-ifaddr") {
		t.Fatalf("the socket with drops is not flagged:\n%s", b.String())
	}
}

// diagnose --watch -o json is NDJSON: one object per sample per line.
func TestWatchJSONIsOneObjectPerLine(t *testing.T) {
	var b bytes.Buffer
	show := Watch(&b, FormatJSON, false)
	rates := []diagnose.Rate{{DropsPerSecond: 3}}
	for range 3 {
		if err := show(rates); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines for 3 samples:\n%s", len(lines), b.String())
	}
	for _, l := range lines {
		var v struct {
			Time    string           `json:"time"`
			Sockets []map[string]any `json:"sockets"`
		}
		if err := json.Unmarshal([]byte(l), &v); err != nil || v.Time == "" || len(v.Sockets) != 1 {
			t.Fatalf("line %q is not one sample object: %v", l, err)
		}
	}
}

// A frr.conf without vrrp routers says so, and no "flap of :" with no
// interface.
func TestFRRWithoutRouters(t *testing.T) {
	rep := diagnose.Report{FRR: &diagnose.FRRReport{Analysis: &diagnose.FRRAnalysis{Conf: "/etc/frr/frr.conf", NLBufSize: 4194304, NLBufFrom: "zebra's default", Configured: 8388608,
		Findings: []diagnose.Finding{{Severity: "advice", Text: "no vrrp router in the configuration: nothing to size"}}}}}
	var b bytes.Buffer
	if err := Diagnose(&b, FormatTable, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "FRR configuration /etc/frr/frr.conf: no vrrp router") || strings.Contains(out, "flap of :") || strings.Contains(out, "the most on ") {
		t.Fatalf("output:\n%s", out)
	}
}
