package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// bin is the nlstress binary built once for these tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "nlstress-cli-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// World-readable, so the not-root test can run the binary as nobody.
	os.Chmod(dir, 0o755)
	bin = filepath.Join(dir, "nlstress")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build nlstress: %v\n%s", err, out)
		os.Exit(2)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// nlstress runs the binary and returns stdout, stderr and the exit code.
func nlstress(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return runAs(t, nil, args...)
}

func runAs(t *testing.T, cred *syscall.Credential, args ...string) (string, string, int) {
	t.Helper()
	stdout, stderr, code, _ := runPID(t, cred, args...)
	return stdout, stderr, code
}

// runPID is runAs that also returns the process id the command ran as.
func runPID(t *testing.T, cred *syscall.Credential, args ...string) (string, string, int, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code, cmd.Process.Pid
}

// labsOwnedBy lists the run directories (and so the labs) whose recorded
// owner is one of pids. Other tests may build labs at the same time, so
// only ownership tells which are ours.
func labsOwnedBy(pids map[int]bool) []string {
	var out []string
	dirs, _ := os.ReadDir(lab.RunDir)
	for _, d := range dirs {
		if o, ok := lab.ReadOwner(d.Name()); ok && pids[o.PID] {
			out = append(out, filepath.Join(lab.RunDir, d.Name()))
		}
	}
	return out
}

func TestBadInputIsOneLineExit2AndBuildsNothing(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"junk unit", []string{"run", "--rcvbuf", "1Q"}, `invalid size "1Q"`},
		{"zero buffer", []string{"run", "--rcvbuf", "0"}, `invalid size "0"`},
		{"negative buffer", []string{"run", "--rcvbuf", "-5"}, `invalid size "-5"`},
		{"over int32", []string{"run", "--rcvbuf", "4G"}, "above the maximum"},
		{"zero vrids", []string{"run", "--vrids", "0"}, "--vrids 0: want 1 to 4080"},
		{"too many vrids", []string{"run", "--vrids", "70000"}, "--vrids 70000: want 1 to 4080"},
		{"not a number", []string{"run", "--vrids", "many"}, `invalid argument "many"`},
		{"bad family", []string{"run", "--family", "5"}, "--family 5"},
		{"bad output", []string{"run", "-o", "yaml"}, `unknown output format "yaml"`},
		{"unknown flag", []string{"run", "--frobnicate"}, "unknown flag"},
		{"stray argument", []string{"run", "eth2"}, "unknown command"},
		{"bad policy", []string{"run", "--on-overrun", "retry"}, `unknown overrun policy "retry"`},
		{"bad target", []string{"run", "--target", "quagga"}, `unknown target "quagga": want builtin, keepalived, frr, exec or bird`},
		{"v2 too fast", []string{"run", "--vrrp-version", "2", "--advert-int", "100ms"}, "VRRPv2 takes whole seconds"},
		{"frr without the peer", []string{"run", "--target", "frr", "--no-peer"}, "an frr target is watched through the peer's ears"},
		{"frr without addresses", []string{"run", "--target", "frr", "--vips-per-vrid", "0"}, "--target frr needs at least 1"},
		{"csv with compare", []string{"sweep", "--compare", "--csv", "/tmp/x.csv"}, "--csv writes one sweep's probes"},
		{"bad duration", []string{"run", "--advert-int", "soon"}, `invalid argument "soon"`},
		{"zero flaps", []string{"run", "--flaps", "0"}, "--flaps 0"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"save over a device", []string{"run", "--save", "/dev/full"}, "not a regular file"},
		{"save into a missing directory", []string{"run", "--save", "/nonexistent/dir/x.json"}, "/nonexistent/dir/x.json"},
		{"save over a directory", []string{"run", "--save", "/tmp"}, "it is a directory"},
		{"chart over a device", []string{"sweep", "--chart", "/dev/null"}, "not a regular file"},
		{"junit into a missing directory", []string{"gate", "--junit", "/nonexistent/g.xml", "../../scenarios/ci-gate.yaml"}, "/nonexistent/g.xml"},
		{"empty scenario path", []string{"run", "-f", ""}, "empty path"},
		{"spaces around a size", []string{"run", "--rcvbuf", " 64K "}, "spaces around the number"},
		{"an output the command does not write", []string{"version", "-o", "prometheus"}, "--output prometheus: version writes table, json, markdown"},
		{"zero watch interval", []string{"diagnose", "--interval", "0", "--watch", "1s"}, "--interval 0s: want a positive"},
		{"missing keepalived", []string{"run", "--target", "keepalived", "--keepalived-bin", "/nonexistent/keepalived"}, "not found"},
		{"a keepalived that is not", []string{"run", "--target", "keepalived", "--keepalived-bin", "/bin/echo"}, "/bin/echo is not keepalived: its --version said"},
		{"replay on the engine", []string{"run", "--keepalived-conf", "../../scenarios/keepalived/multi-vip-routes.conf"}, "need --target keepalived"},
		{"addresses without a replay", []string{"run", "--target", "keepalived", "--interface-address", "eth2=10.0.0.1/24"}, "it needs --keepalived-conf"},
		{"replay of a file keepalived rejects", []string{"run", "--target", "keepalived", "--keepalived-conf", "../../pkg/kaconf/testdata/corpus/dup-vrid.conf"}, "dup-vrid.conf:9: VI_1 and VI_2 both use VRID 5"},
		{"bad interface address", []string{"run", "--target", "keepalived", "--keepalived-conf", "../../scenarios/keepalived/multi-vip-routes.conf", "--interface-address", "eth2"}, "want NAME=ADDRESS/PREFIX"},
		{"sweep of a missing file", []string{"sweep", "--target", "keepalived", "--keepalived-conf", "/nonexistent/keepalived.conf"}, "/nonexistent/keepalived.conf"},
		{"listen on a bad port", []string{"diagnose", "--listen", "127.0.0.1:99999"}, "--listen 127.0.0.1:99999"},
		{"listen and watch", []string{"diagnose", "--listen", ":0", "--watch", "1s"}, "takes neither --watch nor --textfile"},
		{"textfile in a missing directory", []string{"diagnose", "--textfile", "/nonexistent/dir/n.prom"}, "--textfile"},
		{"textfile over a device", []string{"diagnose", "--textfile", "/dev/full"}, "--textfile: output file /dev/full: not a regular file: it is a character device"},
		{"config id of two words", []string{"diagnose", "--config-id", "lb 1"}, `--config-id "lb 1": an id is one word`},
		{"config id without a replay", []string{"run", "--target", "keepalived", "--config-id", "lb1"}, "--config-id selects the @ID lines of a replayed configuration"},
		{"bad flap pattern", []string{"run", "--flap-pattern", "bounce:5"}, "want bounce:N/PERIOD"},
		{"flap of an interface the lab has not", []string{"run", "--vrids", "10", "--flap-interfaces", "eth3"}, `no interface "eth3" (it has eth2)`},
		{"more interfaces than VRIDs", []string{"run", "--vrids", "3", "--interfaces", "4"}, "--interfaces 4"},
		{"negative churn", []string{"run", "--route-churn", "-5"}, "--route-churn -5"},
		{"reload of the engine", []string{"run", "--flap-pattern", "reload"}, "need --target keepalived"},
		{"exec program missing", []string{"run", "--target", "exec", "--target-cmd", "no-such-vrrpd -f x"}, "no-such-vrrpd not found"},
		{"negative script cost", []string{"run", "--target", "keepalived", "--notify-scripts", "--script-cost", "-1s"}, "--script-cost -1s: want 0 to 10s"},
		{"unknown sweep method", []string{"sweep", "--method", "guess"}, `--method "guess": want bisect or peaks`},
		{"host load over 100 %", []string{"run", "--host-load", "150"}, "--host-load 150: want 0 (none) to 100 % of each CPU"},
		{"probe without exec", []string{"run", "--probe", "cat links"}, "--probe goes with --target exec"},
		{"probe that sh cannot read", []string{"run", "--target", "exec", "--target-cmd", "true", "--probe", "echo 'unclosed"}, "--probe"},
		{"script cost on the engine without scripts", []string{"run", "--script-cost", "5ms"}, "or --notify-scripts with --target builtin"},
		{"check exit on the engine", []string{"run", "--notify-scripts", "--script-exit", "1"}, "only keepalived runs checks"},
		{"notify scripts on exec", []string{"run", "--target", "exec", "--target-cmd", "true", "--notify-scripts"}, "--notify-scripts needs --target builtin or keepalived"},
		{"notify scripts on a replay", []string{"run", "--target", "keepalived", "--notify-scripts", "--keepalived-conf", "../../scenarios/keepalived/multi-vip-routes.conf"}, "a replayed one runs its own scripts"},
		{"check exit out of range", []string{"run", "--target", "keepalived", "--script-exit", "256"}, "--script-exit 256: want 0 to 255"},
	}
	pids := map[int]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code, pid := runPID(t, nil, tt.args...)
			pids[pid] = true
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if lines := strings.Count(strings.TrimRight(stderr, "\n"), "\n") + 1; lines != 1 || !strings.HasPrefix(stderr, "nlstress: ") {
				t.Errorf("stderr is not one 'nlstress: ...' line:\n%s", stderr)
			}
			if !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q lacks %q", stderr, tt.want)
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
		})
	}
	if left := labsOwnedBy(pids); len(left) != 0 {
		t.Fatalf("bad input left labs %v", left)
	}
	if fi, err := os.Stat("/dev/full"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Fatalf("/dev/full is no longer a device: %v %v", fi.Mode(), err)
	}
}

// A scenario file that sets nothing (empty, or only comments) is a
// mistake, not the defaults.
func TestEmptyScenarioFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"empty.yaml": "", "comment.yaml": "# only a comment\n\n"} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		_, stderr, code := nlstress(t, "run", "-f", p)
		if code != 2 || !strings.Contains(stderr, p+":1: the file sets nothing") || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%s: exit %d, stderr %q; want 2 and one line naming the file", name, code, stderr)
		}
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := nlstress(t, "version", "-o", "json")
	var v struct {
		SchemaVersion int    `json:"schema_version"`
		Version       string `json:"version"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &v) != nil || v.SchemaVersion != 1 || v.Version == "" {
		t.Fatalf("version -o json: exit %d, %q", code, stdout)
	}
	line, _, code := nlstress(t, "version")
	flag, _, code2 := nlstress(t, "--version")
	if code != 0 || code2 != 0 || line != flag || !strings.HasPrefix(line, "nlstress "+v.Version+" (") {
		t.Fatalf("version %q (exit %d) and --version %q (exit %d): want the same line, naming %s", line, code, flag, code2, v.Version)
	}
}

func TestNotRootIsOneLineExit2(t *testing.T) {
	roottest.Require(t) // to be able to drop to nobody
	nobody := &syscall.Credential{Uid: 65534, Gid: 65534}
	for _, args := range [][]string{{"run"}, {"cleanup"}} {
		_, stderr, code := runAs(t, nobody, args...)
		if code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "root") {
			t.Errorf("%v as nobody: exit %d, stderr %q; want exit 2 and one line naming root", args, code, stderr)
		}
	}
	_, stderr, _ := runAs(t, nobody, "run")
	if !strings.Contains(stderr, "CAP_NET_ADMIN") {
		t.Errorf("run as nobody does not name the missing capability: %q", stderr)
	}
}

func TestRunExitCodes(t *testing.T) {
	roottest.Require(t)
	tests := []struct {
		name   string
		rcvbuf string
		code   int
		status string
	}{
		{"big buffer passes", "4M", 0, "PASS"},
		{"tiny buffer is a finding", "8K", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := nlstress(t, "run", "--vrids", "64", "--vmac", "--advert-int", "100ms", "--rcvbuf", tt.rcvbuf, "-o", "json")
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			var res struct {
				Lab struct {
					RunID     string `json:"run_id"`
					Instances int    `json:"instances"`
					VMACs     int    `json:"vmacs"`
				} `json:"lab"`
				Verdict struct {
					Status string `json:"status"`
					Line   string `json:"line"`
				} `json:"verdict"`
			}
			if err := json.Unmarshal([]byte(stdout), &res); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
			}
			if res.Lab.Instances != 64 || res.Lab.VMACs != 64 {
				t.Fatalf("lab = %+v, want 64 instances with 64 VMACs", res.Lab)
			}
			if tt.status != "" && res.Verdict.Status != tt.status {
				t.Fatalf("verdict %+v, want %s", res.Verdict, tt.status)
			}
			if tt.code == 1 && !strings.Contains(stderr, res.Verdict.Line) {
				t.Fatalf("stderr does not end with the verdict:\n%s", stderr)
			}
			if names, _ := netns.List(lab.Prefix + res.Lab.RunID); len(names) != 0 {
				t.Fatalf("run left namespaces %v", names)
			}
		})
	}
}

func TestKeepLabThenCleanup(t *testing.T) {
	roottest.Require(t)
	stdout, _, _ := nlstress(t, "run", "--vrids", "8", "--advert-int", "100ms", "--keep-lab", "-o", "json")
	var res struct {
		Lab struct {
			RunID string `json:"run_id"`
		} `json:"lab"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || res.Lab.RunID == "" {
		t.Fatalf("run --keep-lab printed %q (%v)", stdout, err)
	}
	id := res.Lab.RunID
	t.Cleanup(func() { nlstress(t, "cleanup") })
	if names, _ := netns.List(lab.Prefix + id + "-"); len(names) != 2 {
		t.Fatalf("--keep-lab left %v, want the two namespaces", names)
	}
	stdout, stderr, code := nlstress(t, "cleanup")
	if code != 0 {
		t.Fatalf("cleanup: exit %d: %s", code, stderr)
	}
	for _, want := range []string{lab.NamespaceName(id, lab.RoleSubject), lab.NamespaceName(id, lab.RolePeer), "removed"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("cleanup output lacks %q:\n%s", want, stdout)
		}
	}
	if names, _ := netns.List(lab.Prefix + id + "-"); len(names) != 0 {
		t.Fatalf("cleanup left %v", names)
	}
	if _, err := os.Stat(filepath.Join(lab.RunDir, id)); err == nil {
		t.Fatal("cleanup left the run directory")
	}
}

func TestGateExitCodes(t *testing.T) {
	roottest.Require(t)
	dir := t.TempDir()
	// The committed CI gate scenario against its committed baseline.
	root, _ := filepath.Abs("../..")
	gateFile := filepath.Join(root, "scenarios", "ci-gate.yaml")
	baselines := filepath.Join(root, "results")
	if stdout, stderr, code := nlstress(t, "gate", gateFile, "--baseline-dir", baselines); code != 0 {
		t.Fatalf("gate ci-gate.yaml: exit %d, want 0:\n%s%s", code, stdout, stderr)
	}
	// The same scenario with a buffer far too small, against the same
	// baseline (its scenario differs only in rcvbuf, so the baseline is
	// rewritten to match): exit 1 and JUnit naming the failed metric.
	body, _ := os.ReadFile(gateFile)
	small := filepath.Join(dir, "ci-gate.yaml")
	os.WriteFile(small, []byte(strings.Replace(string(body), "rcvbuf: 1M", "rcvbuf: 8K", 1)), 0o644)
	base, _ := os.ReadFile(filepath.Join(baselines, "ci-gate.json"))
	os.WriteFile(filepath.Join(dir, "ci-gate.json"), []byte(strings.Replace(string(base), `"rcvbuf": 1048576`, `"rcvbuf": 8192`, 1)), 0o644)
	junit := filepath.Join(dir, "gate.xml")
	stdout, stderr, code := nlstress(t, "gate", small, "--baseline-dir", dir, "--junit", junit)
	if code != 1 || !strings.Contains(stdout, "REGRESSION") {
		t.Fatalf("small buffer: exit %d, want 1 with a regression:\n%s\n%s", code, stdout, stderr)
	}
	x, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(x), `<testcase name="kernel_drops" classname="nlstress.gate.ci-gate" time="0.000">`) || !strings.Contains(string(x), "kernel_drops regressed") {
		t.Fatalf("JUnit does not name the failing metric (%v):\n%s", err, x)
	}
	// A malformed scenario: one line naming file and line, exit 2.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("vrids: 64\nrcvbuf: lots\n"), 0o644)
	errJUnit := filepath.Join(dir, "error.xml")
	_, stderr, code = nlstress(t, "gate", bad, "--baseline-dir", dir, "--junit", errJUnit)
	if code != 2 || !strings.Contains(stderr, "bad.yaml:2:") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("malformed: exit %d, stderr %q; want 2 and one line with file:line", code, stderr)
	}
	// The CI system still gets a JUnit file, with the error in it.
	if x, err := os.ReadFile(errJUnit); err != nil || !strings.Contains(string(x), `<error message="`) || !strings.Contains(string(x), "bad.yaml:2:") {
		t.Fatalf("a gate that stopped on an error wrote no JUnit error case (%v):\n%s", err, x)
	}
}

func TestDiagnose(t *testing.T) {
	roottest.Require(t)
	conf := "../../scenarios/keepalived/incident-2519.conf"
	stdout, stderr, code := nlstress(t, "diagnose", "--keepalived-conf", conf)
	if code != 1 || !strings.Contains(stdout, "vrrp_netlink_monitor_rcv_bufs 593920") || !strings.Contains(stderr, "problem") {
		t.Fatalf("incident config: exit %d, want 1 with the lines to paste:\n%s\n%s", code, stdout, stderr)
	}
	stdout, _, code = nlstress(t, "diagnose", "--keepalived-conf", conf, "-o", "json")
	var rep struct {
		SchemaVersion int `json:"schema_version"`
		Keepalived    struct {
			Measure string `json:"measure"`
		} `json:"keepalived"`
	}
	if code != 1 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.SchemaVersion != result.SchemaVersion ||
		rep.Keepalived.Measure != "nlstress sweep --target keepalived --keepalived-conf "+conf {
		t.Fatalf("diagnose -o json: exit %d, %+v:\n%s", code, rep, stdout)
	}
	stdout, _, code = nlstress(t, "diagnose", "--keepalived-conf", "../../scenarios/keepalived/vmac-255.conf", "-o", "prometheus")
	if code != 0 && code != 1 || !strings.Contains(stdout, "# TYPE nlstress_netlink_socket_drops gauge") {
		t.Fatalf("prometheus: exit %d:\n%s", code, stdout)
	}
	// --textfile writes the metrics even when diagnose exits 1 (the
	// incident's configuration is a problem), atomically: no temporary
	// file is left beside it.
	dir := t.TempDir()
	prom := filepath.Join(dir, "nlstress.prom")
	if _, _, code = nlstress(t, "diagnose", "--keepalived-conf", conf, "--textfile", prom); code != 1 {
		t.Fatalf("diagnose --textfile: exit %d, want 1 (the configuration's problem)", code)
	}
	if b, err := os.ReadFile(prom); err != nil || !strings.Contains(string(b), "# TYPE nlstress_netlink_sockets gauge") {
		t.Fatalf("textfile %v:\n%s", err, b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("textfile directory holds %d files, want nlstress.prom alone", len(entries))
	}
	bad := filepath.Join(t.TempDir(), "keepalived.conf")
	os.WriteFile(bad, []byte("global_defs {\n  router_id x\n"), 0o644)
	_, stderr, code = nlstress(t, "diagnose", "--keepalived-conf", bad)
	if code != 2 || !strings.Contains(stderr, bad+":1: block opened here is never closed") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("malformed config: exit %d, stderr %q", code, stderr)
	}
	_, stderr, code = nlstress(t, "run", "-o", "prometheus")
	if code != 2 || !strings.Contains(stderr, "--output prometheus: run writes table, json, markdown") {
		t.Fatalf("run -o prometheus: exit %d, stderr %q", code, stderr)
	}
}

// Enum flags complete their values in the shell.
func TestCompletion(t *testing.T) {
	for flag, want := range map[string]string{
		"--target": "builtin\nkeepalived\nfrr\nexec\n", "--on-overrun": "none\nresync\nrestart\n",
		"--family": "4\n6\n", "-o": "table\njson\nmarkdown\n:",
		"--flap-mode": "admin\ncarrier\n", "--flap-pattern": "single\nbounce:5/200ms\nstagger:500ms\n",
	} {
		stdout, _, code := nlstress(t, "__complete", "run", flag, "")
		if code != 0 || !strings.HasPrefix(stdout, want) {
			t.Errorf("completion of %s: exit %d, %q; want %q first", flag, code, stdout, want)
		}
	}
	// Each command offers, and its help lists, only the formats it writes.
	if stdout, _, _ := nlstress(t, "__complete", "diagnose", "-o", ""); !strings.HasPrefix(stdout, "table\njson\nmarkdown\nprometheus\n") {
		t.Errorf("diagnose -o completes %q", stdout)
	}
	if stdout, _, _ := nlstress(t, "run", "--help"); !strings.Contains(stdout, "output format: table, json, markdown (default") {
		t.Errorf("run --help does not list run's formats alone:\n%s", stdout)
	}
}
