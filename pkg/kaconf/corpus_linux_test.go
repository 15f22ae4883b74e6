package kaconf

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// TestCorpusAgreesWithKeepalived runs keepalived -t on every corpus file
// in a throw-away namespace that has the interfaces the files name (eth2
// and eth3): keepalived must accept exactly the files nlstress reads
// without error. It checks the grammar and the checks nlstress applies,
// not keepalived's whole keyword table: a replayed configuration also
// passes keepalived -t in its lab before it runs.
func TestCorpusAgreesWithKeepalived(t *testing.T) {
	roottest.RequireKeepalived(t)
	ns, err := netns.NewAnonymous()
	if err != nil {
		t.Fatal(err)
	}
	defer ns.Close()
	for _, name := range []string{"eth2", "eth3"} {
		err := ns.Do(func() error {
			for _, args := range [][]string{
				{"link", "add", name, "type", "veth", "peer", "name", "p-" + name},
				{"link", "set", name, "up"},
			} {
				if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
					return errors.New(strings.TrimSpace(string(out)))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
	}
	for _, tt := range corpus {
		t.Run(tt.file, func(t *testing.T) {
			path, _ := filepath.Abs(filepath.Join("testdata", "corpus", tt.file))
			var out bytes.Buffer
			cmd := exec.Command("keepalived", "--config-test", "--use-file", path)
			cmd.Stdout, cmd.Stderr = &out, &out
			kerr := ns.Do(cmd.Run)
			if accepts := kerr == nil; accepts != (tt.wantErr == "") {
				t.Fatalf("keepalived -t: %v (%s); nlstress wants error %q", kerr, strings.TrimSpace(out.String()), tt.wantErr)
			}
		})
	}
}
