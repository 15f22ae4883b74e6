package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/compare"
)

// Compare writes a comparison: per variant its rates with their exact
// 95 % intervals, the messages lost per flap, the recovery, and its test
// against the baseline in words; then what the flaps could detect.
func Compare(w io.Writer, f Format, rep compare.Report) error {
	if f == FormatJSON {
		return JSON(w, rep)
	}
	ew := &errWriter{w: w}
	sc := rep.Baseline
	ew.printf("nlstress compare (target %s): %d VRIDs, VRRPv%d every %v; %d flaps per variant, interleaved; kernel %s\n",
		sc.Target, sc.VRIDs, sc.Version, sc.AdvertInterval, rep.Flaps, rep.Host.Kernel)
	if in := rep.Interrupted; in != nil {
		ew.printf("INCOMPLETE: stopped by %s after %d of %d flaps; the rates are over the flaps done\n", in.By, in.AfterFlaps, in.Of)
	}
	ew.printf("\n")
	if ew.err != nil {
		return ew.err
	}
	rows := make([][]string, 0, len(rep.Variants))
	for _, v := range rep.Variants {
		spec := v.Spec
		if spec == "" {
			spec = "(as configured)"
		}
		p := func(x *float64) string {
			if x == nil {
				return "-"
			}
			return compare.FormatP(*x)
		}
		rows = append(rows, []string{v.Name, spec, v.Stuck.Of("flaps"), v.Loss.Of("flaps"),
			fmt.Sprintf("%d (max %d)", v.LostMedian, v.LostMax), secs(v.RecoveryP50) + " / " + secs(v.RecoveryP95),
			cpuPerFlap(v.DaemonCPU), p(v.StuckP), p(v.LossP)})
	}
	if err := Table(w, f, []string{"variant", "options", "flaps stranding instances", "flaps losing messages", "lost per flap (median)",
		"recovery p50 / p95", "daemon CPU per flap", "stuck p", "loss p"}, rows); err != nil {
		return err
	}
	ew.printf("\n")
	if differ(rep.Variants) {
		for _, v := range rep.Variants {
			ew.printf("%s runs %s\n", v.Name, v.Daemon)
		}
		ew.printf("\n")
	}
	loaded := false
	for _, v := range rep.Variants {
		if l := v.HostLoad; l != nil {
			ew.printf("%s ran beside a host load of %d %% asked, %.1f %% achieved (the mean over its flaps)\n", v.Name, l.Asked, l.Achieved)
			loaded = true
		}
	}
	if loaded {
		ew.printf("\n")
	}
	for _, v := range rep.Variants[1:] {
		ew.printf("%s: %s\n", v.Name, v.Verdict)
	}
	comparePaths(ew, rep)
	predictions(ew, rep)
	if b := rep.Variants[0]; b.Stuck.N > 0 {
		ew.printf("\nWith %d flaps each, Fisher's exact test (two-sided, 5 %%) sees a change of the stuck rate from the baseline's %s 80 %% of the time only when it is %d points or more.\n",
			b.Stuck.N, strings.TrimSpace(fmt.Sprintf("%.0f %%", 100*b.Stuck.Rate)), int(100*b.Detectable+0.5))
	}
	return ew.err
}

// comparePaths says each variant's stuck rate by the path its downs took,
// when some variant's flaps took more than one: the rates above mix the
// paths in the proportion the host's race gave each variant.
func comparePaths(ew *errWriter, rep compare.Report) {
	mixed := false
	for _, v := range rep.Variants {
		mixed = mixed || len(v.ByDownBursts) > 1
	}
	if !mixed {
		return
	}
	ew.printf("\nBy how the downs' link messages came (the kernel's path; the rates above mix them):\n")
	for _, v := range rep.Variants {
		for _, pr := range v.ByDownBursts {
			test := ""
			if pr.StuckP != nil {
				test = fmt.Sprintf(" (against %s's: p = %s)", rep.Variants[0].Name, compare.FormatP(*pr.StuckP))
			}
			ew.printf("  %s, %s: stranding instances in %s%s\n", v.Name, pathWords(pr.DownBursts), pr.Stuck.Of("flaps"), test)
		}
	}
}

// predictions says what the baseline's exact queue peaks predicted of
// the variants that differ from it only in the buffer, against what they
// measured, or why it predicted nothing.
func predictions(ew *errWriter, rep compare.Report) {
	if rep.Unpredicted != "" {
		ew.printf("\nNo loss rate predicted from the queue's peaks: %s.\n", rep.Unpredicted)
		return
	}
	b := rep.Variants[0]
	for _, v := range rep.Variants[1:] {
		pr := v.Predicted
		if pr == nil {
			continue
		}
		agree := pr.Words()
		ew.printf("%s: predicted from %s's exact queue peaks (highest %s): loss in %s at an effective %s; measured %s; %s (p = %s)\n",
			v.Name, b.Name, kb(b.PeakExactMax), pr.Loss.Of("flaps"), kb(uint64(v.Rcvbuf)), v.Loss.Of("flaps"), agree, compare.FormatP(pr.P))
	}
}

// cpuPerFlap is a daemon's CPU per flap, or "-" when it was not read.
func cpuPerFlap(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return secs(d)
}

// differ says the variants ran different daemons (versions): the report
// then names each one's.
func differ(vs []compare.Summary) bool {
	for _, v := range vs {
		if v.Daemon != vs[0].Daemon {
			return true
		}
	}
	return false
}
