package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/roottest"
)

// startUntil starts nlstress with args and returns once its stderr has
// printed a line containing marker; the rest of stderr is collected into
// the returned buffer after the process ends.
func startUntil(t *testing.T, marker string, args ...string) (*exec.Cmd, *bytes.Buffer, <-chan struct{}) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	pr, pw := io.Pipe()
	cmd.Stderr = pw
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := make(chan struct{})
	done := make(chan struct{})
	var stderr bytes.Buffer
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		found := false
		for sc.Scan() {
			line := sc.Text()
			if !found && strings.Contains(line, marker) {
				found = true
				close(seen)
				continue
			}
			if found {
				stderr.WriteString(line + "\n")
			}
		}
	}()
	go func() {
		cmd.Wait()
		pw.Close()
	}()
	select {
	case <-seen:
	case <-done:
		t.Fatalf("nlstress %v ended before printing %q", args, marker)
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("nlstress %v: no %q within 2 minutes", args, marker)
	}
	return cmd, &stderr, done
}

// TestSignalEndsRunCleanly stops a run in the middle of its flaps with
// SIGINT and SIGTERM: one line on stderr naming the signal and the removed
// lab, the shell's exit code (128+signal), no panic, nothing left behind.
func TestSignalEndsRunCleanly(t *testing.T) {
	roottest.Require(t)
	engine := []string{"run", "--vrids", "64", "--vmac", "--advert-int", "100ms", "--rcvbuf", "1M", "--flaps", "3"}
	for _, tt := range []struct {
		name   string
		sig    syscall.Signal
		code   int
		marker string // the log line after which the signal is sent
		args   []string
	}{
		{"SIGINT after convergence", syscall.SIGINT, 130, "converged", engine},
		{"SIGTERM after convergence", syscall.SIGTERM, 143, "converged", engine},
		{"SIGINT with the link down", syscall.SIGINT, 130, "link down", engine},
		{"SIGTERM while keepalived runs", syscall.SIGTERM, 143, "monitor open",
			[]string{"run", "--target", "keepalived", "--vrids", "16", "--vmac", "--advert-int", "1s"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.args[2] == "keepalived" {
				roottest.RequireKeepalived(t)
			}
			cmd, stderr, done := startUntil(t, tt.marker, tt.args...)
			sent := time.Now()
			cmd.Process.Signal(tt.sig)
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("still running 30 s after %s", tt.name)
			}
			t.Logf("ended %v after %s", time.Since(sent).Round(time.Millisecond), tt.name)
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Errorf("exit %d after %s, want %d; stderr:\n%s", code, tt.name, tt.code, stderr)
			}
			// Progress lines logged before the signal arrived may precede
			// it; the error itself is the last line, and nothing failed
			// on the way out.
			out := stderr.String()
			lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "nlstress: interrupted by "+unix.SignalName(tt.sig)+": lab ") || !strings.HasSuffix(last, " removed") {
				t.Errorf("last stderr line after %s is %q, want 'nlstress: interrupted by %s: lab ... removed'", tt.name, last, unix.SignalName(tt.sig))
			}
			for _, bad := range []string{"panic", "level=ERROR", "level=WARN", "goroutine "} {
				if strings.Contains(out, bad) {
					t.Errorf("stderr after %s has %q:\n%s", tt.name, bad, out)
				}
			}
			if left := labsOwnedBy(map[int]bool{cmd.Process.Pid: true}); len(left) != 0 {
				t.Errorf("interrupted run left %v", left)
			}
			if out, _ := exec.Command("pgrep", "-f", "keepalived.*nlstress").Output(); len(out) != 0 {
				t.Errorf("interrupted run left keepalived processes: %s", out)
			}
		})
	}
}

// An interrupted run keeps what it measured: SIGTERM during its third of
// five flaps leaves a saved result (and chart) with the two flaps done,
// marked interrupted, its verdict INCOMPLETE, loadable again; the exit
// code stays the signal's and the lab is gone.
func TestInterruptedRunKeepsItsFlaps(t *testing.T) {
	roottest.Require(t)
	dir := t.TempDir()
	saved, chart := filepath.Join(dir, "run.json"), filepath.Join(dir, "loss.svg")
	cmd, stderr, done := startUntil(t, `msg="flap done" flap=2`,
		"run", "--vrids", "16", "--vmac", "--advert-int", "100ms", "--rcvbuf", "1M", "--flaps", "5", "--save", saved, "--chart", chart)
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still running 30 s after SIGTERM")
	}
	if code := cmd.ProcessState.ExitCode(); code != 143 {
		t.Fatalf("exit %d, want 143; stderr:\n%s", code, stderr)
	}
	res, err := result.Load(saved)
	if err != nil {
		t.Fatalf("the saved result: %v", err)
	}
	in := res.Interrupted
	if len(res.Flaps) != 2 || in == nil || in.By != "SIGTERM" || in.AfterFlaps != 2 || in.Of != 5 ||
		res.Verdict == nil || res.Verdict.Status != result.StatusIncomplete || res.Totals == nil {
		t.Fatalf("saved: %d flaps, interrupted %+v, verdict %+v, totals %v: want 2 flaps of 5, by SIGTERM, INCOMPLETE, added up", len(res.Flaps), in, res.Verdict, res.Totals)
	}
	if !strings.HasPrefix(res.Verdict.Line, "INCOMPLETE: stopped by SIGTERM after 2 of 5 flaps") {
		t.Fatalf("verdict line %q", res.Verdict.Line)
	}
	if st, err := os.Stat(chart); err != nil || st.Size() == 0 {
		t.Fatalf("chart: %v", err)
	}
	if left := labsOwnedBy(map[int]bool{cmd.Process.Pid: true}); len(left) != 0 {
		t.Fatalf("interrupted run left %v", left)
	}
}

// keepalived's VRRP process killed in the middle of a run (after its
// first flap) is the run's finding: FAIL naming it, the flaps measured
// kept in the saved result, the lab removed, no keepalived left.
func TestKeepalivedKilledMidRun(t *testing.T) {
	roottest.Require(t)
	roottest.RequireKeepalived(t)
	saved := filepath.Join(t.TempDir(), "run.json")
	cmd, stderr, done := startUntil(t, `msg="flap done" flap=1`,
		"run", "--target", "keepalived", "--vrids", "16", "--vmac", "--advert-int", "1s", "--flaps", "4", "--save", saved)
	dirs := labsOwnedBy(map[int]bool{cmd.Process.Pid: true})
	if len(dirs) != 1 {
		cmd.Process.Kill()
		t.Fatalf("run directories %v: want the run's one", dirs)
	}
	b, err := os.ReadFile(filepath.Join(dirs[0], "keepalived", "vrrp.pid"))
	var vrrp int
	if err == nil {
		_, err = fmt.Sscan(string(b), &vrrp)
	}
	if err != nil || vrrp <= 0 || syscall.Kill(vrrp, syscall.SIGKILL) != nil {
		cmd.Process.Kill()
		t.Fatalf("keepalived's VRRP process %d (%q): %v", vrrp, b, err)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("still running 2 minutes after keepalived's VRRP process was killed")
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Fatalf("exit %d, want 1 (a finding); stderr:\n%s", code, stderr)
	}
	res, err := result.Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	n := len(res.Flaps)
	if n < 2 || n > 3 || len(res.Flaps[n-1].Exited) == 0 || res.Verdict == nil || res.Verdict.Status != result.StatusFail ||
		!strings.Contains(res.Verdict.Line, fmt.Sprintf("keepalived's VRRP process (pid %d)", vrrp)) {
		t.Fatalf("%d flaps, verdict %+v: want the flap after the kill to report it, and FAIL naming it", n, res.Verdict)
	}
	if left := labsOwnedBy(map[int]bool{cmd.Process.Pid: true}); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
	if out, _ := exec.Command("pgrep", "-f", "keepalived.*"+filepath.Base(dirs[0])).Output(); len(out) != 0 {
		t.Fatalf("keepalived processes left: %s", out)
	}
}

// TestNotConvergedIsOneLine: a daemon that never converges (a process that
// runs no VRRP at all) ends the run with one line and exit 2, not a panic.
func TestNotConvergedIsOneLine(t *testing.T) {
	roottest.Require(t)
	_, stderr, code, pid := runPID(t, nil, "run", "--target", "exec", "--target-cmd", "ip monitor link address", "--vrids", "4", "--advert-int", "100ms", "-o", "json")
	if code != 2 || strings.Contains(stderr, "panic") || !strings.Contains(stderr, "did not converge") {
		t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and 'did not converge'", code, stderr)
	}
	if last := stderr[strings.LastIndex(strings.TrimRight(stderr, "\n"), "\n")+1:]; !strings.HasPrefix(last, "nlstress: ") {
		t.Fatalf("last stderr line is not the error: %q", last)
	}
	if left := labsOwnedBy(map[int]bool{pid: true}); len(left) != 0 {
		t.Fatalf("left %v", left)
	}
}

// TestSIGKILLThenCleanup kills a keepalived run outright: its lab and its
// keepalived stay behind until "nlstress cleanup", which reports each
// process killed only once it is dead; a SIGKILLed engine run's lab is
// removed by the next run, which says so.
func TestSIGKILLThenCleanup(t *testing.T) {
	roottest.RequireKeepalived(t)
	cmd, _, done := startUntil(t, "monitor open", "run", "--target", "keepalived", "--vrids", "4", "--advert-int", "1s")
	cmd.Process.Kill()
	<-done
	pid := cmd.Process.Pid
	if left := labsOwnedBy(map[int]bool{pid: true}); len(left) != 1 {
		t.Fatalf("SIGKILLed run left %v, want its one run directory", left)
	}
	stdout, stderr, code := nlstress(t, "cleanup", "-o", "json")
	if code != 0 {
		t.Fatalf("cleanup: exit %d: %s", code, stderr)
	}
	var doc struct {
		SchemaVersion int `json:"schema_version"`
		Leftovers     []struct {
			Kind, Name, Action string
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.SchemaVersion != result.SchemaVersion {
		t.Fatalf("cleanup -o json: %v, schema_version %d\n%s", err, doc.SchemaVersion, stdout)
	}
	procs := 0
	for _, lo := range doc.Leftovers {
		if lo.Kind != "process" {
			continue
		}
		procs++
		var p int
		fmt.Sscanf(lo.Name[strings.Index(lo.Name, "(pid "):], "(pid %d)", &p)
		if lo.Action != "killed" {
			t.Errorf("%s: %s", lo.Name, lo.Action)
		}
		if st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p)); err == nil && !strings.Contains(string(st), ") Z") {
			t.Errorf("%s reported killed but still alive: %s", lo.Name, st)
		}
	}
	if procs == 0 {
		t.Errorf("cleanup found no keepalived process of the killed run: %s", stdout)
	}
	if left := labsOwnedBy(map[int]bool{pid: true}); len(left) != 0 {
		t.Fatalf("cleanup left %v", left)
	}

	// A run killed outright, then a new run: the new one removes the
	// dead run's lab itself and says so.
	cmd, _, done = startUntil(t, "lab built", "run", "--vrids", "4", "--advert-int", "100ms")
	cmd.Process.Kill()
	<-done
	dead := cmd.Process.Pid
	_, stderr, code = nlstress(t, "run", "--vrids", "1", "--advert-int", "100ms", "--rcvbuf", "1M")
	if code != 0 || !strings.Contains(stderr, "removed what a dead run left") {
		t.Fatalf("next run: exit %d, stderr does not say it removed the dead run's lab:\n%s", code, stderr)
	}
	if left := labsOwnedBy(map[int]bool{dead: true}); len(left) != 0 {
		t.Fatalf("the next run left the dead run's lab %v", left)
	}
}

// Ctrl-C on diagnose --watch ends it with the same one line and exit 130,
// not "context canceled".
func TestSignalEndsWatch(t *testing.T) {
	roottest.Require(t)
	cmd := exec.Command(bin, "diagnose", "--watch", "1m", "--interval", "100ms", "-o", "json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		if !sc.Scan() {
			first <- sc.Err()
			return
		}
		first <- nil
		io.Copy(io.Discard, stdout)
	}()
	select {
	case err := <-first:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("no first sample within 30 s")
	}
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 || stderr.String() != "nlstress: interrupted by SIGINT\n" {
		t.Fatalf("exit %d, stderr %q; want 130 and one line naming the signal", code, stderr.String())
	}
}
