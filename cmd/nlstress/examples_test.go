package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/compare"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// hostFiles stand in for the files on a user's host that the examples
// name: the repository's own of the same kind.
func hostFiles(t *testing.T) map[string]string {
	dir := t.TempDir()
	web := filepath.Join(dir, "web-config.yml")
	if err := os.WriteFile(web, []byte("basic_auth_users:\n  prometheus: $2y$10$Ax9bcEAZZvTlSfyjyhBv8e0PX1FE.Dg6Fpz3WO13XIhs4xQ47d3aK\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"/etc/keepalived/keepalived.conf":               "scenarios/keepalived/incident-2519.conf",
		"fleet.conf":                                    "scenarios/keepalived/incident-2519.conf",
		"/etc/frr/frr.conf":                             "scenarios/frr/vrrp-255.conf",
		"/var/lib/node_exporter/textfile/nlstress.prom": filepath.Join(dir, "nlstress.prom"),
		"/etc/nlstress/web-config.yml":                  web,
		"/tmp/run.json":                                 filepath.Join(dir, "run.json"),
		"loss.svg":                                      filepath.Join(dir, "loss.svg"),
		"sweep.svg":                                     filepath.Join(dir, "sweep.svg"),
		"sweep.csv":                                     filepath.Join(dir, "sweep.csv"),
		"gate.xml":                                      filepath.Join(dir, "gate.xml"),
	}
}

// example is one command line of the documentation, and where it is.
type example struct {
	where string
	args  []string
}

// helpExamples are the command lines of every command's Example.
func helpExamples(t *testing.T, c *cobra.Command) []example {
	var out []example
	for _, line := range strings.Split(c.Example, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "nlstress ") {
			out = append(out, example{c.CommandPath() + " --help", words(t, line)})
		}
	}
	for _, sub := range c.Commands() {
		out = append(out, helpExamples(t, sub)...)
	}
	return out
}

// docExamples are the nlstress command lines in a Markdown file's sh
// blocks, their trailing comments cut.
func docExamples(t *testing.T, path string) []example {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []example
	in := false
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "```"):
			in = line == "```sh" || line == "```bash" || (in && line != "```")
		case in && strings.HasPrefix(line, "nlstress "):
			if i := strings.Index(line, " # "); i > 0 {
				line = line[:i]
			}
			out = append(out, example{path + ":" + strconv.Itoa(n), words(t, line)})
		}
	}
	return out
}

func words(t *testing.T, line string) []string {
	w, err := compare.Split(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return w[1:]
}

// Every example in the commands' help and in the READMEs' command lists
// is accepted as far as the options: parsed and validated, nothing run
// (no lab). Files on a user's host that they name are stood in for by
// the repository's; every scenario file loads.
func TestEveryExampleIsAccepted(t *testing.T) {
	t.Chdir("../..")
	files := hostFiles(t)
	var all []example
	all = append(all, helpExamples(t, buildRoot(new(bytes.Buffer), new(bytes.Buffer), true))...)
	for _, doc := range []string{"README.md", "cmd/nlstress/README.md", "results/README.md", "results/FINDINGS.md"} {
		all = append(all, docExamples(t, doc)...)
	}
	if len(all) < 30 {
		t.Fatalf("%d examples found: the scan is broken", len(all))
	}
	for _, ex := range all {
		args := append([]string(nil), ex.args...)
		for i := range args {
			for from, to := range files {
				args[i] = strings.ReplaceAll(args[i], from, to)
			}
		}
		root := buildRoot(new(bytes.Buffer), new(bytes.Buffer), true)
		root.SetArgs(args)
		err := root.Execute()
		if err != nil && !errors.Is(err, errValidated) {
			t.Errorf("%s: nlstress %s: %v", ex.where, strings.Join(ex.args, " "), err)
		}
	}
	paths, err := filepath.Glob("scenarios/*.yaml")
	if err != nil || len(paths) == 0 {
		t.Fatalf("scenario files: %v %v", paths, err)
	}
	for _, p := range paths {
		if _, err := scenario.Load(p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
}
