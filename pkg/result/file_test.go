package result

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/scenario"
)

// A saved result reads back as it was, the default scenario's unset
// buffer (rcvbuf 0: the daemon's default) included.
func TestSaveLoadRoundTrip(t *testing.T) {
	r := measured(3, 1, time.Second, 131072)
	r.SchemaVersion, r.Scenario = SchemaVersion, scenario.Default()
	if r.Scenario.RcvBuf != 0 {
		t.Fatalf("the default scenario sets rcvbuf %d; this test wants it unset", r.Scenario.RcvBuf)
	}
	path := filepath.Join(t.TempDir(), "r.json")
	if err := Save(path, r); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Scenario, r.Scenario) || !reflect.DeepEqual(got.Totals, r.Totals) {
		t.Errorf("read back:\n%+v\nwant\n%+v", got.Scenario, r.Scenario)
	}
}
