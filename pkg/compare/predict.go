package compare

import (
	"fmt"
	"reflect"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/stats"
)

// Prediction is what the baseline's exact queue peaks say of a variant
// that differs from it only in its buffer. A flap loses messages at an
// effective buffer B exactly when its queue's peak, counted with each
// arriving message, passes B (results/METHODS.md, the kernel's admission
// rule). At a smaller buffer the reader reads alike until its first drop,
// but the storm may arrive more slowly: the kernel's broadcaster yields
// the CPU once a listener's queue passes half its buffer, which lets a
// reader that reads during the storm keep its queue lower. So a baseline
// that lost nothing bounds, from its own flaps, the loss rate at any
// smaller buffer from above: exactly for a daemon that does not read
// during the storm (keepalived and the engine in the seed incident),
// loosely for one that keeps up (ip monitor).
type Prediction struct {
	// Loss is the baseline's flaps whose exact peak passed this
	// variant's effective buffer, of its flaps, with the exact interval.
	Loss stats.Rate `json:"loss"`
	// P is Fisher's exact test (two-sided) of the variant's measured loss
	// rate against the predicted one; Agrees says P is at least Alpha.
	P      float64 `json:"p"`
	Agrees bool    `json:"agrees"`
	// Below says the measured rate is significantly lower than predicted
	// (the bound holds, loosely: the reader read during the storm); a
	// significantly higher one (Agrees and Below false) breaks the bound.
	Below bool `json:"below,omitempty"`
}

// Words says how the measurement compares with the prediction.
func (p Prediction) Words() string {
	switch {
	case p.Agrees:
		return "agrees"
	case p.Below:
		return "fewer than predicted: the reader kept its queue lower at the smaller buffer (the kernel yields to it above half its buffer); the bound holds"
	}
	return "MORE than predicted: the peaks do not bound this daemon's loss"
}

// predictable is why the baseline's flaps cannot predict the others'
// loss, "" when they can: every flap's peak read in the kernel, none
// lost.
func predictable(flaps []result.Flap) string {
	if len(flaps) == 0 {
		return "the baseline has no flaps"
	}
	for _, f := range flaps {
		if _, ok := f.ExactPeak(); !ok {
			return fmt.Sprintf("the baseline's flap %d has no exact queue peak (the kernel's queue was not watched)", f.Index)
		}
		if f.Down.Drops+f.Up.Drops > 0 || f.Down.ENOBUFS+f.Up.ENOBUFS > 0 {
			return fmt.Sprintf("the baseline lost messages (flap %d): its reader read otherwise after the drop, and its peaks stop at its buffer", f.Index)
		}
	}
	return ""
}

// onlyBuffer says a and b differ in nothing but the buffer.
func onlyBuffer(a, b Variant) bool {
	sa, sb := a.Scenario, b.Scenario
	sa.RcvBuf, sa.Force, sb.RcvBuf, sb.Force = 0, false, 0, false
	return reflect.DeepEqual(sa, sb)
}

// predict gives each variant that differs from the baseline only in its
// buffer the loss rate the baseline's exact peaks predict at its
// effective buffer, and tests its measured rate against it.
func predict(out []Summary, flaps [][]result.Flap) {
	if len(out) == 0 || predictable(flaps[0]) != "" {
		return
	}
	for i := 1; i < len(out); i++ {
		s := &out[i]
		if s.Rcvbuf <= 0 || !onlyBuffer(out[0].Variant, s.Variant) {
			continue
		}
		over := 0
		for _, f := range flaps[0] {
			if p, _ := f.ExactPeak(); p > uint64(s.Rcvbuf) {
				over++
			}
		}
		pr := Prediction{Loss: stats.Binomial(over, len(flaps[0]))}
		pr.P = stats.FisherExact(s.Loss.K, s.Loss.N, pr.Loss.K, pr.Loss.N)
		pr.Agrees = pr.P >= Alpha
		pr.Below = !pr.Agrees && s.Loss.Rate < pr.Loss.Rate
		s.Predicted = &pr
	}
}
