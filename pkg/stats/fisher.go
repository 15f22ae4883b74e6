package stats

import "math"

// relTolerance is how much larger than the observed table's probability
// another table's may be and still count as at least as extreme: the
// floating-point slack R's fisher.test allows (1 + 1e-7).
const relTolerance = 1 + 1e-7

// FisherExact is the two-sided p-value of Fisher's exact test of k1 of n1
// against k2 of n2 (a 2×2 table with fixed margins): the probability,
// under the hypothesis that both come from one rate, of a table no more
// likely than the one observed. It is 1 for tables that cannot differ
// (an empty row or column).
func FisherExact(k1, n1, k2, n2 int) float64 {
	if n1 <= 0 || n2 <= 0 || k1 < 0 || k2 < 0 || k1 > n1 || k2 > n2 {
		return math.NaN()
	}
	n, k := n1+n2, k1+k2
	lo, hi := max(0, k-n2), min(k, n1)
	// P(X = x): x of the k successes fall in row 1 (hypergeometric).
	logp := func(x int) float64 { return lchoose(k, x) + lchoose(n-k, n1-x) - lchoose(n, n1) }
	observed := logp(k1)
	p := 0.0
	for x := lo; x <= hi; x++ {
		if lx := logp(x); lx <= observed+math.Log(relTolerance) {
			p += math.Exp(lx)
		}
	}
	return math.Min(p, 1)
}

// Power is the probability that Fisher's exact test at level alpha tells
// apart two rates p1 and p2 measured over n1 and n2 trials: the sum, over
// every pair of outcomes, of its binomial probability where FisherExact is
// below alpha.
func Power(p1 float64, n1 int, p2 float64, n2 int, alpha float64) float64 {
	return power(rejections(n1, n2, alpha), p1, p2)
}

// rejections says, for every k1 of n1 and k2 of n2, whether Fisher's
// exact test at level alpha rejects one rate for both.
func rejections(n1, n2 int, alpha float64) [][]bool {
	out := make([][]bool, n1+1)
	for k1 := range out {
		out[k1] = make([]bool, n2+1)
		for k2 := range out[k1] {
			out[k1][k2] = FisherExact(k1, n1, k2, n2) < alpha
		}
	}
	return out
}

// power is the probability of an outcome that reject rejects, for rates
// p1 and p2 over its trials.
func power(reject [][]bool, p1, p2 float64) float64 {
	n1, n2 := len(reject)-1, len(reject[0])-1
	sum := 0.0
	for k1, row := range reject {
		w1 := binomialPMF(k1, n1, p1)
		if w1 == 0 {
			continue
		}
		for k2, r := range row {
			if r {
				sum += w1 * binomialPMF(k2, n2, p2)
			}
		}
	}
	return sum
}

// Detectable is the smallest change, in steps of one point, from a rate
// base measured over n trials to another measured over n trials that
// Fisher's exact test at level alpha sees with probability want, the
// change going whichever way is possible (down from a high rate, up from
// a low one), the smaller of the two where both are; want is the power,
// 0.8 by custom. It is 1 when no change within [0, 1] is seen that often.
func Detectable(base float64, n int, alpha, want float64) float64 {
	best := 1.0
	reject := rejections(n, n, alpha)
	for _, dir := range []float64{-1, 1} {
		for step := 1; step <= 100; step++ {
			d := float64(step) / 100
			p2 := base + dir*d
			if p2 < 0 || p2 > 1 {
				break
			}
			if power(reject, base, p2) >= want {
				best = math.Min(best, d)
				break
			}
		}
	}
	return best
}

// binomialPMF is P(K = k) for K ~ Binomial(n, p).
func binomialPMF(k, n int, p float64) float64 {
	switch {
	case p <= 0:
		if k == 0 {
			return 1
		}
		return 0
	case p >= 1:
		if k == n {
			return 1
		}
		return 0
	}
	return math.Exp(lchoose(n, k) + float64(k)*math.Log(p) + float64(n-k)*math.Log1p(-p))
}
