package lab

import (
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// benchInstances is the incident's shape: 255 VRIDs on eth2, one VMAC and
// one VIP each.
const benchInstances = 255

// buildOurs builds the lab and adds one VIP per VMAC through rtnetlink.
func buildOurs(b *testing.B, id string) *Lab {
	l, err := Build(context.Background(), Spec{RunID: id, Instances: benchInstances, VMAC: true})
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range l.Instances {
		if err := AddAddress(l.Subject.Conn, in.VMACIndex, netip.PrefixFrom(VIP(4, in.Index, 0, 1), 32)); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

// ipBatchScripts is the same work as buildOurs, as iproute2 batch files.
func ipBatchScripts(p Plan) (nsScript, subject, peer string) {
	s, pe := NamespaceName(p.RunID, RoleSubject), NamespaceName(p.RunID, RolePeer)
	nsScript = fmt.Sprintf("netns add %s\nnetns add %s\n", s, pe)
	var sb, pb strings.Builder
	sb.WriteString("link set lo up\n")
	pb.WriteString("link set lo up\n")
	for _, ifc := range p.Interfaces {
		fmt.Fprintf(&sb, "link add %s index %d up type veth peer name %s index %d netns %s\n", ifc.Name, ifc.Index, ifc.Name, ifc.Index, pe)
		fmt.Fprintf(&sb, "addr add %s brd + dev %s\n", ifc.Subject, ifc.Name)
		fmt.Fprintf(&pb, "link set %s up\naddr add %s brd + dev %s\n", ifc.Name, ifc.Peer, ifc.Name)
	}
	for _, in := range p.Instances {
		fmt.Fprintf(&sb, "link add link %s name %s index %d address %s up type macvlan mode private\n",
			p.Interfaces[in.Interface].Name, in.VMAC, in.VMACIndex, in.VMACAddr)
		fmt.Fprintf(&sb, "addr add %s/32 dev %s\n", VIP(4, in.Index, 0, 1), in.VMAC)
	}
	return nsScript, sb.String(), pb.String()
}

// ipBatch runs "ip [-n ns] -batch -" on a script.
func ipBatch(b *testing.B, ns, script string) {
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	cmd := exec.Command("ip", args...)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ip %v: %v\n%s", args, err, out)
	}
}

// BenchmarkLabBuild times building the 255-VMAC + 255-VIP lab with our
// rtnetlink code and with "ip -batch" doing the same work, alternating the
// two in every iteration so both see the same machine, and reports their
// ratio (ours/ip; below 1 means faster). Teardown is not timed.
func BenchmarkLabBuild(b *testing.B) {
	roottest.Require(b)
	if _, err := exec.LookPath("ip"); err != nil {
		b.Skip("needs iproute2's ip for the comparison")
	}
	var ours, ip time.Duration
	b.ResetTimer()
	for i := range b.N {
		for turn := range 2 {
			if (i+turn)%2 == 0 {
				id := fmt.Sprintf("bo%d", i)
				t0 := time.Now()
				l := buildOurs(b, id)
				ours += time.Since(t0)
				b.StopTimer()
				if err := l.Teardown(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			} else {
				p, err := NewPlan(Spec{RunID: fmt.Sprintf("bi%d", i), Instances: benchInstances, VMAC: true})
				if err != nil {
					b.Fatal(err)
				}
				nsScript, subject, peer := ipBatchScripts(p)
				t0 := time.Now()
				ipBatch(b, "", nsScript)
				ipBatch(b, NamespaceName(p.RunID, RoleSubject), subject)
				ipBatch(b, NamespaceName(p.RunID, RolePeer), peer)
				ip += time.Since(t0)
				b.StopTimer()
				for _, r := range []Role{RoleSubject, RolePeer} {
					if err := netns.Delete(NamespaceName(p.RunID, r)); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
			}
		}
	}
	b.ReportMetric(ours.Seconds()*1e3/float64(b.N), "ours-ms/build")
	b.ReportMetric(ip.Seconds()*1e3/float64(b.N), "ip-batch-ms/build")
	b.ReportMetric(float64(ours)/float64(ip), "ours/ip-ratio")
}
