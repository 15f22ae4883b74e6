package stress

import (
	"path/filepath"
	"testing"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// TestEstimateHoldsAgainstTheOracle replays a few 64-instance shapes on
// the real keepalived, under both flap modes, and holds diagnose's storm
// estimate for each against the storm the oracle saw: never below it,
// at most 1.5 times it. scripts/calibrate.sh does the same over the whole
// matrix of shapes, at 255 instances too, and checks the advice for loss.
func TestEstimateHoldsAgainstTheOracle(t *testing.T) {
	roottest.RequireKeepalived(t)
	for _, shape := range []string{"vips4-routes2.conf", "vmac.conf", "route-rule.conf"} {
		conf := filepath.Join("testdata", "shapes", shape)
		c, err := kaconf.Read(conf, kaconf.Options{})
		if err != nil {
			t.Fatal(err)
		}
		est := diagnose.EstimateStorm(c, 4<<20).Storm
		for _, mode := range []scenario.FlapMode{scenario.FlapAdmin, scenario.FlapCarrier} {
			t.Run(shape+"/"+string(mode), func(t *testing.T) {
				sc := scenario.Default()
				sc.Target, sc.KeepalivedConf, sc.FlapMode = scenario.TargetKeepalived, conf, mode
				sc.RcvBuf = 8 * bytesize.MiB
				res, err := run(t, sc)
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				storm := int64(res.Totals.LargestStorm)
				t.Logf("estimate %d, oracle's largest storm %d (x%.2f)", est, storm, float64(est)/float64(storm))
				if est < storm || float64(est) > 1.5*float64(storm) {
					t.Fatalf("estimate %d for a storm of %d: want at least the storm and at most 1.5 times it", est, storm)
				}
			})
		}
	}
}
