package exporter

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

func sock(ns, comm string, pid int, inode, drops, rcvbuf, rmem uint32, groups ...string) diagnose.Socket {
	return diagnose.Socket{Namespace: ns, GroupNames: groups, Socket: sockdiag.Socket{
		Inode: inode, Protocol: sockdiag.ProtocolRoute, PID: pid, Comm: comm, Drops: drops, RcvBuf: rcvbuf, Rmem: rmem}}
}

func TestAggregateByOwner(t *testing.T) {
	socks := []diagnose.Socket{
		sock("current", "keepalived", 10, 1, 3, 131072, 0, "link", "ipv4-ifaddr"),
		sock("current", "keepalived", 11, 2, 4, 262144, 500, "link", "ipv4-ifaddr"),
		sock("current", "keepalived", 10, 3, 0, 212992, 0), // its command socket
		sock("current", "", 0, 4, 0, 212992, 0),
	}
	got := Aggregate(socks)
	if len(got) != 3 {
		t.Fatalf("%d groups, want 3: %+v", len(got), got)
	}
	var mon Group
	for _, g := range got {
		if g.Name == "keepalived" && g.Groups == "link,ipv4-ifaddr" {
			mon = g
		}
	}
	if mon.Sockets != 2 || mon.Drops != 7 || mon.RcvBuf != 131072 || mon.Queued != 500 {
		t.Fatalf("keepalived's monitors: %+v, want 2 sockets, 7 drops, smallest rcvbuf 131072, 500 queued", mon)
	}
	if got[len(got)-1].Name != "unknown" && got[0].Name != "unknown" {
		t.Fatalf("a socket without owner is not named unknown: %+v", got)
	}
}

// The counter survives a daemon restart: its socket closes with 5 drops,
// the new one drops 2 and then 4 in all, and the total is 5+4 = 9, while
// the gauge shows only the open socket's 4.
func TestTotalsSurviveSocketChurn(t *testing.T) {
	tot := NewTotals()
	owner := ownerOf(sock("current", "keepalived", 10, 1, 0, 0, 0, "link"))
	for _, step := range []struct {
		socks []diagnose.Socket
		want  uint64
	}{
		{[]diagnose.Socket{sock("current", "keepalived", 10, 1, 5, 0, 0, "link")}, 5},
		{nil, 5}, // restarting: no socket at all
		{[]diagnose.Socket{sock("current", "keepalived", 20, 2, 2, 0, 0, "link")}, 7},
		{[]diagnose.Socket{sock("current", "keepalived", 20, 2, 4, 0, 0, "link")}, 9},
	} {
		if got := tot.Observe(step.socks)[owner]; got != step.want {
			t.Fatalf("after %+v: total %d, want %d", step.socks, got, step.want)
		}
	}
}

// A process name with a tab, a quote and bytes that are not UTF-8 (a comm
// is any 15 bytes) gives an exposition that Prometheus's parser and
// promtool accept.
func TestExpositionOfHostileNames(t *testing.T) {
	socks := []diagnose.Socket{
		sock("current", "evil\t\"\xff\xfename", 7, 1, 9, 131072, 0, "link"),
		sock("netns x", "keepalived", 8, 2, 0, 131072, 0, "link", "ipv4-ifaddr"),
	}
	reg, err := Registry(Static(diagnose.Report{Sockets: socks}))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Write(&b, reg); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatalf("the exposition does not parse: %v\n%s", err, b.String())
	}
	drops := mfs[nameDrops]
	if drops == nil || len(drops.Metric) != 2 {
		t.Fatalf("%s: %v", nameDrops, drops)
	}
	if _, ok := mfs[nameDropsTot]; ok {
		t.Fatalf("a one-shot exposition has %s: a counter needs scrapes over time", nameDropsTot)
	}
	for _, m := range mfs[nameInfo].Metric {
		for _, l := range m.Label {
			if !model.LabelValue(l.GetValue()).IsValid() {
				t.Fatalf("label %s=%q is not valid UTF-8", l.GetName(), l.GetValue())
			}
		}
	}
	promtool := roottest.Tool(t, "promtool", "scripts/install-test-deps.sh takes it out of Debian's prometheus package")
	check(t, promtool, b.Bytes())
}

// check runs promtool check metrics on an exposition.
func check(t *testing.T, promtool string, text []byte) {
	t.Helper()
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = bytes.NewReader(text)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v: %s\n%s", err, strings.TrimSpace(string(out)), text)
	}
}
