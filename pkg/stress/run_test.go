package stress

import (
	"testing"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/scenario"
)

func TestScenarioLimitsMatchLab(t *testing.T) {
	if scenario.MaxVRIDs != lab.MaxInstances || scenario.MaxInterfaces != lab.MaxInterfaces {
		t.Fatalf("scenario allows %d VRIDs on %d interfaces, the lab %d on %d",
			scenario.MaxVRIDs, scenario.MaxInterfaces, lab.MaxInstances, lab.MaxInterfaces)
	}
}
