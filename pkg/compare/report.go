package compare

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/nlstress/nlstress/pkg/hostload"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/stats"
)

// Alpha is the level at which a variant differs from the baseline, and
// Power how often a real difference must be seen for the comparison to
// call it detectable.
const (
	Alpha = 0.05
	Power = 0.8
)

// Report is a comparison's answer.
type Report struct {
	SchemaVersion int         `json:"schema_version"`
	Started       time.Time   `json:"started"`
	Host          result.Host `json:"host"`
	// Baseline is the first variant's scenario; Flaps how many flaps each
	// variant was to get.
	Baseline scenario.Scenario `json:"baseline"`
	Flaps    int               `json:"flaps_per_variant"`
	// Order is the variants' names in the order their flaps ran.
	Order    []string  `json:"order"`
	Variants []Summary `json:"variants"`
	// Unpredicted says why the baseline's flaps predict no variant's
	// loss rate, where a variant differs from it only in its buffer.
	Unpredicted string `json:"unpredicted,omitempty"`
	// Interrupted says the comparison was stopped (a signal): the rates
	// are over the flaps done (AfterFlaps of Of, all variants together).
	Interrupted *result.Interrupted `json:"interrupted,omitempty"`
}

// Summary is one variant's measurement and its test against the
// baseline.
type Summary struct {
	Variant
	// Daemon is the daemon's own version line under this variant, where
	// the lab tells it ("Keepalived v2.1.5 (unknown)").
	Daemon string `json:"daemon,omitempty"`
	// Failed says why the variant's daemon never came up ("" when it
	// did); its rates are then over no flaps.
	Failed string `json:"failed,omitempty"`
	// Loss and Stuck are the flaps that lost messages and that left
	// instances in FAULT, each as k of n with its exact 95 % interval.
	Loss  stats.Rate `json:"loss"`
	Stuck stats.Rate `json:"stuck"`
	// ByDownBursts are the same rates by how the flaps' link-down
	// messages came (result.ByDownBursts), each with Fisher's test
	// against the baseline's flaps of the same path.
	ByDownBursts []PathRate `json:"by_down_bursts,omitempty"`
	// LostMedian and LostMax are the messages lost per flap (kernel
	// drops, both phases).
	LostMedian uint64 `json:"lost_per_flap_median"`
	LostMax    uint64 `json:"lost_per_flap_max"`
	// RecoveryP50 and RecoveryP95 are the medians over the flaps of each
	// flap's recovery p50 and p95.
	RecoveryP50 time.Duration `json:"recovery_p50_ns"`
	RecoveryP95 time.Duration `json:"recovery_p95_ns"`
	// StormMax is the largest storm of a phase (link-down or link-up) in
	// the variant's flaps, truesize bytes as the oracle counted it, and
	// PeakQueueMax the highest queue the monitor's sampler saw: beside
	// the buffer, how close the variant came.
	StormMax     uint64 `json:"storm_truesize_max"`
	PeakQueueMax uint64 `json:"peak_queue_max"`
	// PeakExactMax is the highest queue read in the kernel (0: not
	// watched), and Rcvbuf the monitor's effective buffer in the
	// variant's first flap.
	PeakExactMax uint64 `json:"peak_queue_exact_max,omitempty"`
	Rcvbuf       int64  `json:"rcvbuf_effective,omitempty"`
	// Predicted is the loss rate the baseline's exact peaks predict at
	// this variant's buffer, for a variant that differs from the baseline
	// only in its buffer (see Prediction); nil otherwise.
	Predicted *Prediction `json:"predicted,omitempty"`
	// DaemonCPU is the median over the flaps of the daemon's own CPU per
	// flap (result.Flap.DaemonCPU); 0 when it was not read.
	DaemonCPU time.Duration `json:"daemon_cpu_per_flap_ns,omitempty"`
	// HostLoad is the variant's competing CPU work, asked and achieved:
	// the mean of its flaps' achieved shares; nil without one.
	HostLoad *hostload.Share `json:"host_load,omitempty"`
	// StuckP and LossP are Fisher's exact test (two-sided) of this
	// variant's rate against the baseline's; null for the baseline.
	StuckP *float64 `json:"stuck_p,omitempty"`
	LossP  *float64 `json:"loss_p,omitempty"`
	// Detectable is the smallest change of the stuck rate from the
	// baseline's that this many flaps see 80 % of the time at Alpha.
	Detectable float64 `json:"detectable_change"`
	// Verdict says it in words.
	Verdict string `json:"verdict"`
	// Flaps is each of the variant's flaps as a run records it, in the
	// order they ran: what the rates above are made of.
	Flaps []result.Flap `json:"flaps"`
}

// PathRate is a variant's rates over the flaps whose downs took one
// path (result.PathRate), and Fisher's test of its stuck rate against
// the baseline's flaps of the same path: null for the baseline, or where
// the baseline has none.
type PathRate struct {
	result.PathRate
	StuckP *float64 `json:"stuck_p,omitempty"`
}

// byPath is the variant's rates by path, each tested against base's
// rates on the same path (nil: the baseline itself).
func byPath(flaps []result.Flap, base []PathRate) []PathRate {
	var out []PathRate
	for _, pr := range result.ByDownBursts(flaps) {
		r := PathRate{PathRate: pr}
		for _, b := range base {
			if b.DownBursts == pr.DownBursts {
				p := stats.FisherExact(pr.Stuck.K, pr.Stuck.N, b.Stuck.K, b.Stuck.N)
				r.StuckP = &p
			}
		}
		out = append(out, r)
	}
	return out
}

// summarize is each variant's summary, tested against the first's.
func summarize(variants []Variant, flaps [][]result.Flap, failed []string) []Summary {
	out := make([]Summary, len(variants))
	for i, v := range variants {
		s := Summary{Variant: v, Failed: failed[i], Flaps: flaps[i]}
		var lossy, stuck int
		var lost []uint64
		var p50s, p95s, cpu []time.Duration
		var loads []hostload.Share
		for _, f := range flaps[i] {
			d := f.Down.Drops + f.Up.Drops
			if f.Lossy() {
				lossy++
			}
			if len(f.Stuck) > 0 {
				stuck++
			}
			lost = append(lost, d)
			s.StormMax = max(s.StormMax, f.Down.Storm.Truesize, f.Up.Storm.Truesize)
			s.PeakQueueMax = max(s.PeakQueueMax, f.Down.PeakQueue, f.Up.PeakQueue)
			s.PeakExactMax = max(s.PeakExactMax, f.Down.PeakQueueExact, f.Up.PeakQueueExact)
			if s.Rcvbuf == 0 {
				s.Rcvbuf = f.Rcvbuf
			}
			p50s, p95s = append(p50s, f.Recovery.P50), append(p95s, f.Recovery.P95)
			if f.DaemonCPU > 0 {
				cpu = append(cpu, f.DaemonCPU)
			}
			if f.HostLoad != nil {
				loads = append(loads, *f.HostLoad)
			}
		}
		n := len(flaps[i])
		s.Loss, s.Stuck = stats.Binomial(lossy, n), stats.Binomial(stuck, n)
		s.LostMedian, s.LostMax = median(lost), slicesMax(lost)
		s.RecoveryP50, s.RecoveryP95, s.DaemonCPU = median(p50s), median(p95s), median(cpu)
		s.HostLoad = meanLoad(loads)
		out[i] = s
	}
	predict(out, flaps)
	out[0].ByDownBursts = byPath(flaps[0], nil)
	for i := 1; i < len(out); i++ {
		out[i].ByDownBursts = byPath(flaps[i], out[0].ByDownBursts)
	}
	base := out[0]
	for i := range out {
		s := &out[i]
		s.Detectable = stats.Detectable(base.Stuck.Rate, max(s.Stuck.N, 1), Alpha, Power)
		switch {
		case i == 0:
			s.Verdict = "baseline"
			continue
		case s.Failed != "" && s.Stuck.N == 0:
			s.Verdict = "the daemon never came up: " + s.Failed
			continue
		case s.Failed != "":
			s.Verdict = "the daemon " + s.Failed
			continue
		case s.Stuck.N == 0 || base.Stuck.N == 0:
			s.Verdict = "no flaps to compare"
			continue
		}
		sp := stats.FisherExact(s.Stuck.K, s.Stuck.N, base.Stuck.K, base.Stuck.N)
		lp := stats.FisherExact(s.Loss.K, s.Loss.N, base.Loss.K, base.Loss.N)
		s.StuckP, s.LossP = &sp, &lp
		s.Verdict = words("stranded instances", s.Stuck, base.Stuck, sp, s.Detectable) + "; " + words("lost messages", s.Loss, base.Loss, lp, s.Detectable)
	}
	return out
}

// words says how a variant's rate of what compares with the baseline's.
func words(what string, v, base stats.Rate, p, detectable float64) string {
	if p < Alpha {
		more := "fewer"
		if v.Rate > base.Rate {
			more = "more"
		}
		return fmt.Sprintf("%s flaps %s (%s)", more, what, pIs(p))
	}
	return fmt.Sprintf("no measurable difference in flaps that %s (%s; %d flaps cannot see less than a ~%d-point change)",
		what, pIs(p), v.N, int(math.Round(100*detectable)))
}

// FormatP prints a p-value with two significant digits, or as a bound
// below 0.001.
func FormatP(p float64) string {
	if p < 0.001 {
		return "< 0.001"
	}
	return fmt.Sprintf("%.2g", p)
}

// pIs says p in a sentence: "p = 0.01", or "p < 0.001" for the bound.
func pIs(p float64) string {
	if p < 0.001 {
		return "p < 0.001"
	}
	return "p = " + FormatP(p)
}

// meanLoad is the shares' asked load with their mean achieved one; nil
// for none.
func meanLoad(shares []hostload.Share) *hostload.Share {
	if len(shares) == 0 {
		return nil
	}
	m := shares[0]
	m.Achieved = 0
	for _, s := range shares {
		m.Achieved += s.Achieved / float64(len(shares))
	}
	return &m
}

// median is the middle of xs; of an even count, the lower of the middle
// two, so that it is always a value a flap had.
func median[T ~uint64 | ~int64](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return stats.NearestRank(s, 0.5)
}

func slicesMax[T ~uint64](xs []T) T {
	if len(xs) == 0 {
		return 0
	}
	return slices.Max(xs)
}
