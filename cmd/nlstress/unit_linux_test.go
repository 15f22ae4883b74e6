package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/daemon"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// unitCapabilities are the capabilities the shipped systemd unit leaves
// the exporter (CapabilityBoundingSet), as setpriv names them.
func unitCapabilities(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("../../scripts/deploy/nlstress-exporter.service")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapabilityBoundingSet="); ok {
			var out []string
			for _, c := range strings.Fields(v) {
				out = append(out, strings.ToLower(strings.TrimPrefix(c, "CAP_")))
			}
			return out
		}
	}
	t.Fatal("the unit has no CapabilityBoundingSet")
	return nil
}

// diagnoseWith runs "nlstress diagnose -o json" in the namespace ns with
// only caps left (setpriv, no new privileges) and returns the owner
// names it gave the sockets, by pid.
func diagnoseWith(t *testing.T, ns string, caps []string) map[int]string {
	t.Helper()
	bounding := "-all"
	for _, c := range caps {
		bounding += ",+" + c
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "setpriv", "--bounding-set="+bounding, "--inh-caps=-all", "--no-new-privs", "--",
		bin, "diagnose", "-o", "json", "--keepalived-conf", "../../scenarios/keepalived/incident-2519.conf", "--frr-conf", "../../scenarios/frr/vrrp-255.conf")
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() != 1 { // 1: a finding (the incident's buffer)
		t.Fatalf("diagnose with %v: %v: %s", caps, err, ee.Stderr)
	}
	var rep struct {
		Sockets []struct {
			PID  int    `json:"pid"`
			Comm string `json:"comm"`
		} `json:"sockets"`
		Keepalived *struct {
			Instances int `json:"instances"`
		} `json:"keepalived"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("diagnose with %v: %v: %s", caps, err, out)
	}
	if rep.Keepalived == nil || rep.Keepalived.Instances != 255 {
		t.Fatalf("diagnose with %v did not read the configuration: %+v", caps, rep.Keepalived)
	}
	owners := map[int]string{}
	for _, s := range rep.Sockets {
		if s.PID > 0 {
			owners[s.PID] = s.Comm
		}
	}
	return owners
}

// The exporter's systemd unit grants what diagnose needs and no more:
// with the unit's capabilities alone (and no new privileges) it names
// the owner of another root process's netlink socket and reads the
// configurations; without CAP_SYS_PTRACE it can no longer name the
// owner, which is why the unit grants it.
func TestUnitCapabilitiesAreEnough(t *testing.T) {
	roottest.Require(t)
	roottest.Tool(t, "setpriv", "util-linux")
	caps := unitCapabilities(t)
	l, err := lab.Build(context.Background(), lab.Spec{Instances: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Teardown() })
	// A root process in the namespace with a netlink socket of its own.
	mon, err := daemon.Start(l.Subject.NS, exec.Command("ip", "monitor", "link"), filepath.Join(t.TempDir(), "ip.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mon.Stop(time.Second) })
	ns := lab.NamespaceName(l.RunID, lab.RoleSubject)
	for deadline := time.Now().Add(10 * time.Second); diagnoseWith(t, ns, []string{"sys_ptrace", "dac_read_search", "sys_admin"})[mon.PID()] != "ip"; {
		if time.Now().After(deadline) {
			t.Fatal("ip monitor's socket never showed with its owner")
		}
	}
	if got := diagnoseWith(t, ns, caps)[mon.PID()]; got != "ip" {
		t.Fatalf("with the unit's capabilities %v, ip monitor's socket is owned by %q: want ip", caps, got)
	}
	var less []string
	for _, c := range caps {
		if c != "sys_ptrace" {
			less = append(less, c)
		}
	}
	if got, named := diagnoseWith(t, ns, less)[mon.PID()]; named {
		t.Fatalf("without CAP_SYS_PTRACE the owner is still named (%q): the unit grants more than it needs", got)
	}
}
