// Package stats states how sure a count of "k of n" makes us: the observed
// rate of a yes/no event (a flap lost messages, a flap left instances
// stuck) with its exact (Clopper–Pearson) confidence interval, and the
// number of clean trials needed to bound a rate.
package stats

import (
	"fmt"
	"math"
	"strings"
)

// Confidence is the confidence level of every interval in this package.
const Confidence = 0.95

// Rate is k events in n trials, with the exact two-sided 95 % confidence
// interval of the underlying probability and the one-sided 95 % upper
// bound (what "at most" claims use: 0 of 30 gives 9.5 %).
type Rate struct {
	K     int     `json:"k"`
	N     int     `json:"n"`
	Rate  float64 `json:"rate"`
	Lower float64 `json:"ci95_lower"`
	Upper float64 `json:"ci95_upper"`
	// AtMost is the one-sided 95 % upper bound.
	AtMost float64 `json:"at_most_95"`
}

// Binomial is the rate of k events in n trials. n = 0 gives the
// uninformative interval [0, 1].
func Binomial(k, n int) Rate {
	if k < 0 || n < 0 || k > n {
		panic(fmt.Sprintf("stats: %d of %d", k, n))
	}
	r := Rate{K: k, N: n, Lower: 0, Upper: 1, AtMost: 1}
	if n == 0 {
		return r
	}
	alpha := 1 - Confidence
	r.Rate = float64(k) / float64(n)
	if k > 0 {
		// Lower: the p at which P(X >= k) = alpha/2.
		r.Lower = solve(func(p float64) float64 { return 1 - cdf(k-1, n, p) }, alpha/2)
	}
	if k < n {
		// Upper: the p at which P(X <= k) = alpha/2, decreasing in p.
		r.Upper = solve(func(p float64) float64 { return 1 - cdf(k, n, p) }, 1-alpha/2)
		r.AtMost = solve(func(p float64) float64 { return 1 - cdf(k, n, p) }, 1-alpha)
	}
	return r
}

// String is "3 of 30 (10 %, 95 % CI 2.1–26.5 %)".
func (r Rate) String() string { return r.Of("") }

// Of is String with the trials named: Of("flaps") is
// "3 of 30 flaps (10 %, 95 % CI 2.1–26.5 %)".
func (r Rate) Of(trials string) string {
	if trials != "" {
		trials = " " + trials
	}
	if r.N == 0 {
		return "0 of 0" + trials
	}
	lo := strings.TrimSuffix(Percent(r.Lower), " %")
	return fmt.Sprintf("%d of %d%s (%s, 95 %% CI %s–%s)", r.K, r.N, trials, Percent(r.Rate), lo, Percent(r.Upper))
}

// Percent formats a fraction as a percentage with at most one decimal.
func Percent(f float64) string {
	s := fmt.Sprintf("%.1f", 100*f)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s + " %"
}

// Overlap reports whether two rates' 95 % intervals overlap: the two
// counts do not tell the rates apart.
func Overlap(a, b Rate) bool { return a.Lower <= b.Upper && b.Lower <= a.Upper }

// CleanTrials is the number of event-free trials in a row after which the
// event's probability is below p with 95 % confidence (one-sided exact:
// (1-p)^n <= 0.05). CleanTrials(0.10) is 29; the rule of three says 30.
func CleanTrials(p float64) int {
	if p <= 0 || p >= 1 {
		panic(fmt.Sprintf("stats: CleanTrials(%v)", p))
	}
	return int(math.Ceil(math.Log(1-Confidence) / math.Log(1-p)))
}

// cdf is P(X <= k) for X ~ Binomial(n, p).
func cdf(k, n int, p float64) float64 {
	if k < 0 {
		return 0
	}
	if k >= n {
		return 1
	}
	switch p {
	case 0:
		return 1
	case 1:
		return 0
	}
	var sum float64
	lp, lq := math.Log(p), math.Log1p(-p)
	for i := 0; i <= k; i++ {
		sum += math.Exp(lchoose(n, i) + float64(i)*lp + float64(n-i)*lq)
	}
	return math.Min(sum, 1)
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

// solve finds p in [0, 1] with f(p) = target for f increasing in p, by
// bisection to 1e-9.
func solve(f func(float64) float64, target float64) float64 {
	lo, hi := 0.0, 1.0
	for hi-lo > 1e-9 {
		mid := (lo + hi) / 2
		if f(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	return (lo + hi) / 2
}
