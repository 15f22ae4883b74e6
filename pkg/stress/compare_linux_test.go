package stress

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// A comparison in one real lab, on the engine: a 4 KiB buffer (8 KiB
// effective, against a 64-VMAC storm of some 200 KB: it cannot hold it)
// and a 4 MiB one (it cannot lose it), interleaved, 10 flaps each. The
// flaps alternate, the engine's socket is resized in place, and Fisher's
// test tells them apart at p < 0.001.
func TestCompareInOneLab(t *testing.T) {
	roottest.Require(t)
	base := small(4*bytesize.KiB, scenario.PolicyNone)
	vs, err := compare.Parse(base, []string{"tiny=", "huge=--rcvbuf 4M"}, CheckVariant)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	rep, err := compare.Run(ctx, vs, 10, OpenCompareLab, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rep.Order, " "); got != strings.TrimSpace(strings.Repeat("tiny huge ", 10)) {
		t.Fatalf("order %q: want tiny and huge in turn", got)
	}
	tiny, huge := rep.Variants[0], rep.Variants[1]
	if tiny.Loss.K != 10 || huge.Loss.K != 0 || huge.LossP == nil || *huge.LossP >= 0.001 {
		t.Fatalf("tiny %+v, huge %+v: want 10 of 10 against 0 of 10 at p < 0.001", tiny.Loss, huge.Loss)
	}
	if !strings.Contains(huge.Verdict, "fewer flaps lost messages (p < 0.001)") {
		t.Fatalf("verdict %q", huge.Verdict)
	}
	t.Logf("%s", huge.Verdict)
}
