package diagnose

import (
	"os"
	"testing"

	"github.com/nlstress/nlstress/pkg/engineproc"
)

func TestMain(m *testing.M) {
	engineproc.Main() // this test binary is also the engine's process
	os.Exit(m.Run())
}
