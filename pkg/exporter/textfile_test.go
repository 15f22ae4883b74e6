package exporter

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nlstress/nlstress/pkg/outfile"
)

// TestTextfileRefusesDevices: diagnose changes nothing on the host, so its
// --textfile writes regular files only: /dev/full and a link to /dev/null
// are refused and left as they are (it once replaced /dev/full with a
// regular file holding the metrics).
func TestTextfileRefusesDevices(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "nlstress_test_gauge", Help: "a test gauge"})
	g.Set(42)
	reg.MustRegister(g)

	dir := t.TempDir()
	link := filepath.Join(dir, "null.prom")
	if err := os.Symlink("/dev/null", link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/dev/full", link} {
		before, err := os.Stat(path)
		if err != nil {
			t.Skipf("%s: %v", path, err)
		}
		err = WriteTextfile(path, reg)
		if !errors.Is(err, outfile.ErrNotRegular) || !strings.Contains(err.Error(), "character device") {
			t.Errorf("WriteTextfile(%s) = %v; want a refusal naming a character device", path, err)
		}
		after, err := os.Stat(path)
		if err != nil || after.Mode() != before.Mode() || after.Mode()&fs.ModeCharDevice == 0 {
			t.Errorf("%s after the write: %v, %v; want the device as it was", path, after.Mode(), err)
		}
	}
	good := filepath.Join(dir, "nlstress.prom")
	if err := WriteTextfile(good, reg); err != nil {
		t.Fatal(err)
	}
	body, err := os.ReadFile(good)
	if err != nil || !strings.Contains(string(body), "nlstress_test_gauge 42") {
		t.Fatalf("textfile %q, %v", body, err)
	}
}
