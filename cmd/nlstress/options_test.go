package main

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/report"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// errCaptured ends a command whose options a test captured: nothing ran.
var errCaptured = errors.New("captured")

// execCmd runs cmd with args, as the root would, and returns its error.
func execCmd(t *testing.T, cmd *cobra.Command, args ...string) error {
	t.Helper()
	g := &globals{output: report.FormatTable}
	cmd.Flags().VarP(&g.output, "output", "o", "")
	cmd.SetArgs(args)
	cmd.SetOut(new(bytes.Buffer))
	cmd.SetErr(new(bytes.Buffer))
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	return cmd.ExecuteContext(context.Background())
}

// The flags of each command reach its options, validated, and the work
// is not done: runF gets the options instead. No lab, no root.
func TestFlagsReachTheOptions(t *testing.T) {
	g := &globals{output: report.FormatTable}
	t.Run("run", func(t *testing.T) {
		var got *runOptions
		cmd := newRunCmd(g, func(o *runOptions) error { got = o; return errCaptured })
		err := execCmd(t, cmd, "--vrids", "64", "--rcvbuf", "1M", "--advert-int", "100ms", "--target", "frr", "--flaps", "3")
		if !errors.Is(err, errCaptured) {
			t.Fatalf("err = %v, want the options captured", err)
		}
		sc := got.Scenario
		if sc.VRIDs != 64 || sc.RcvBuf != bytesize.MiB || sc.AdvertInterval != 100*time.Millisecond || sc.Target != scenario.TargetFRR || sc.Flaps != 3 {
			t.Fatalf("scenario %+v", sc)
		}
	})
	t.Run("run from a file, a flag on top", func(t *testing.T) {
		var got *runOptions
		cmd := newRunCmd(g, func(o *runOptions) error { got = o; return errCaptured })
		if err := execCmd(t, cmd, "-f", "../../scenarios/incident.yaml", "--flaps", "2"); !errors.Is(err, errCaptured) {
			t.Fatalf("err = %v", err)
		}
		if got.Scenario.VRIDs != 255 || got.Scenario.Flaps != 2 {
			t.Fatalf("scenario %+v: want the file's 255 VRIDs and --flaps 2", got.Scenario)
		}
	})
	t.Run("sweep", func(t *testing.T) {
		var got *sweepOptions
		cmd := newSweepCmd(g, func(o *sweepOptions) error { got = o; return errCaptured })
		if err := execCmd(t, cmd, "--vrids", "16,32", "--confirm", "5", "--vmac", "--compare", "--method", "peaks"); !errors.Is(err, errCaptured) {
			t.Fatalf("err = %v", err)
		}
		if !slices.Equal(got.Sweep.VRIDs, []int{16, 32}) || got.Sweep.Confirm != 5 || !got.Scenario.VMAC || !got.compare || got.Sweep.Method != "peaks" {
			t.Fatalf("sweep %+v, scenario VMAC %v, compare %v", got.Sweep, got.Scenario.VMAC, got.compare)
		}
	})
	t.Run("gate", func(t *testing.T) {
		var got *gateOptions
		cmd := newGateCmd(g, func(o *gateOptions) error { got = o; return errCaptured })
		if err := execCmd(t, cmd, "--baseline-dir", "/tmp/b", "--update-baseline", "a.yaml", "b.yaml"); !errors.Is(err, errCaptured) {
			t.Fatalf("err = %v", err)
		}
		if got.BaselineDir != "/tmp/b" || !got.Update || strings.Join(got.Files, ",") != "a.yaml,b.yaml" {
			t.Fatalf("gate options %+v", got)
		}
	})
	t.Run("diagnose", func(t *testing.T) {
		var got *diagnoseOptions
		cmd := newDiagnoseCmd(g, func(o *diagnoseOptions) error { got = o; return errCaptured })
		if err := execCmd(t, cmd, "--keepalived-conf", "k.conf", "--config-id", "lb1", "--watch", "30s", "--interval", "2s", "--all-namespaces"); !errors.Is(err, errCaptured) {
			t.Fatalf("err = %v", err)
		}
		if got.Conf != "k.conf" || !got.ConfGiven || got.FRRConfGiven || got.ConfigID != "lb1" || got.Watch != 30*time.Second || got.Interval != 2*time.Second || !got.AllNamespaces {
			t.Fatalf("diagnose options %+v", got)
		}
	})
	t.Run("compare", func(t *testing.T) {
		var got *compareOptions
		cmd := newCompareCmd(g, func(o *compareOptions) error { got = o; return errCaptured })
		err := execCmd(t, cmd, "--vrids", "16", "--flaps", "4", "--variant", "small=--rcvbuf 16K", "--variant", "big=--rcvbuf 4M --force")
		if !errors.Is(err, errCaptured) {
			t.Fatalf("err = %v", err)
		}
		if got.Flaps != 4 || len(got.Variants) != 2 || got.Variants[0].Scenario.VRIDs != 16 || got.Variants[1].Scenario.RcvBuf != 4*bytesize.MiB {
			t.Fatalf("compare options: flaps %d, variants %+v", got.Flaps, got.Variants)
		}
	})
	t.Run("compare from a file", func(t *testing.T) {
		var got *compareOptions
		cmd := newCompareCmd(g, func(o *compareOptions) error { got = o; return errCaptured })
		if err := execCmd(t, cmd, "-f", "../../scenarios/incident-compare.yaml"); !errors.Is(err, errCaptured) {
			t.Fatalf("err = %v", err)
		}
		if got.Flaps != 30 || len(got.Variants) < 5 || got.Variants[0].Name != "baseline" || got.Variants[0].Scenario.VRIDs != 255 {
			t.Fatalf("compare options: flaps %d, %d variants", got.Flaps, len(got.Variants))
		}
	})
	t.Run("version", func(t *testing.T) {
		called := false
		cmd := newVersionCmd(g, func(*versionOptions) error { called = true; return nil })
		if err := execCmd(t, cmd); err != nil || !called {
			t.Fatalf("err = %v, called %v", err, called)
		}
	})
}

// Options that do not validate never reach runF.
func TestInvalidOptionsNeverRun(t *testing.T) {
	g := &globals{output: report.FormatTable}
	tests := []struct {
		name string
		cmd  func(ran *bool) *cobra.Command
		args []string
		want string
	}{
		{"run: no peer for a wire target", func(ran *bool) *cobra.Command {
			return newRunCmd(g, func(*runOptions) error { *ran = true; return nil })
		}, []string{"--target", "exec", "--target-cmd", "true", "--no-peer"}, "needs the peer"},
		{"sweep: --csv with --compare", func(ran *bool) *cobra.Command {
			return newSweepCmd(g, func(*sweepOptions) error { *ran = true; return nil })
		}, []string{"--compare", "--csv", "/tmp/x.csv"}, "does not go with --compare"},
		{"diagnose: --listen with --watch", func(ran *bool) *cobra.Command {
			return newDiagnoseCmd(g, func(*diagnoseOptions) error { *ran = true; return nil })
		}, []string{"--listen", ":0", "--watch", "1s"}, "takes neither --watch nor --textfile"},
		{"diagnose: a config id of two words", func(ran *bool) *cobra.Command {
			return newDiagnoseCmd(g, func(*diagnoseOptions) error { *ran = true; return nil })
		}, []string{"--config-id", "a b"}, "an id is one word"},
		{"compare: one variant only", func(ran *bool) *cobra.Command {
			return newCompareCmd(g, func(*compareOptions) error { *ran = true; return nil })
		}, []string{"--variant", "a="}, "at least two variants"},
		{"compare: a variant that needs another lab", func(ran *bool) *cobra.Command {
			return newCompareCmd(g, func(*compareOptions) error { *ran = true; return nil })
		}, []string{"--variant", "a=", "--variant", "b=--vrids 10"}, "vrids lays out the lab"},
		{"compare: a keepalived line keepalived refuses", func(ran *bool) *cobra.Command {
			return newCompareCmd(g, func(*compareOptions) error { *ran = true; return nil })
		}, []string{"--target", "keepalived", "--variant", "a=", "--variant", "b=global: vrrp_frobnicate 1"}, "keepalived refuses \"vrrp_frobnicate 1\""},
		{"compare: an unknown option", func(ran *bool) *cobra.Command {
			return newCompareCmd(g, func(*compareOptions) error { *ran = true; return nil })
		}, []string{"--variant", "a=", "--variant", "b=--frobnicate 1"}, "unknown option --frobnicate"},
		{"gate: a JUnit file in a missing directory", func(ran *bool) *cobra.Command {
			return newGateCmd(g, func(*gateOptions) error { *ran = true; return nil })
		}, []string{"--junit", "/nonexistent/dir/j.xml", "a.yaml"}, "nonexistent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ran := false
			err := execCmd(t, tt.cmd(&ran), tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || ran {
				t.Fatalf("err = %v, ran %v; want an error with %q before anything runs", err, ran, tt.want)
			}
		})
	}
}
