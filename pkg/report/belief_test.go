package report

import (
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// A daemon judged by its own view of the links (BIRD, or an exec target
// with a probe) is reported without VRRP's words: no advert interval or
// VIPs in the header, no peer or wire columns.
func TestRunByBelief(t *testing.T) {
	for _, sc := range []scenario.Scenario{
		func() scenario.Scenario { s := scenario.Default(); s.Target = scenario.TargetBIRD; return s }(),
		func() scenario.Scenario {
			s := scenario.Default()
			s.Target, s.TargetCmd, s.Probe = scenario.TargetExec, "ip monitor", "cat links"
			return s
		}(),
	} {
		text := runTable(t, result.Result{Scenario: sc, Target: sc.Target,
			Lab:     result.Lab{RunID: "abc123", Interfaces: []string{"eth2"}, Instances: 8, VMACs: 8},
			Monitor: &result.Monitor{Effective: 4096, External: true, Groups: []string{"link"}},
			Flaps:   []result.Flap{{Index: 1, Recovery: result.Durations{Count: 8}}}})
		for _, want := range []string{"no VRRP: each VRID a macvlan, judged by the daemon's own view of it", "all down in its view", "back up in its view"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: report lacks %q:\n%s", sc.Target, want, text)
			}
		}
		for _, not := range []string{"VRRPv", "VIP/VRID", "peer takeover", "advertising (wire)"} {
			if strings.Contains(text, not) {
				t.Errorf("%s: report says %q:\n%s", sc.Target, not, text)
			}
		}
	}
}
