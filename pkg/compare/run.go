package compare

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/scenario"
)

// Lab is one lab that a comparison reconfigures and flaps: package
// stress's Session.
type Lab interface {
	// Reconfigure makes sc the configuration of the flaps that follow.
	Reconfigure(ctx context.Context, sc scenario.Scenario) (restarted bool, err error)
	// Flap takes the links down and up once and measures it.
	Flap(ctx context.Context) (result.Flap, error)
	// Close removes the lab and returns what it knew of the host.
	Close(ctx context.Context, runErr error) (result.Result, error)
}

// versioned is a Lab that says which daemon it runs now: its own
// version line ("Keepalived v2.1.5 (unknown)"), recorded per variant.
type versioned interface {
	Daemon() string
}

// OpenFunc opens a lab converged under sc.
type OpenFunc func(ctx context.Context, sc scenario.Scenario) (Lab, error)

// Progress is told after every flap: flaps done, flaps in all, and the
// variant flapped.
type Progress func(done, total int, variant string)

// Run flaps one lab opened for the first variant, flaps times per
// variant, interleaved: every variant once, in order, then again. A
// variant whose daemon does not come up, or dies in a flap, is reported as
// such, in the daemon's words, and left out of the rounds after; the
// others go on.
// An interrupted comparison reports the flaps measured so far.
func Run(ctx context.Context, variants []Variant, flaps int, open OpenFunc, progress Progress) (Report, error) {
	rep := Report{SchemaVersion: result.SchemaVersion, Started: time.Now().UTC(), Flaps: flaps, Baseline: variants[0].Scenario}
	results := make([][]result.Flap, len(variants))
	failed := make([]string, len(variants))
	daemons := make([]string, len(variants))
	l, err := open(ctx, variants[0].Scenario)
	if err != nil {
		return rep, fmt.Errorf("compare: baseline %s: %w", variants[0].Name, err)
	}
	daemonOf := func(j int) {
		if d, ok := l.(versioned); ok && daemons[j] == "" {
			daemons[j] = d.Daemon()
		}
	}
	daemonOf(0)
	current, done, total := 0, 0, flaps*len(variants)
	var runErr error
rounds:
	for range flaps {
		for j, v := range variants {
			if failed[j] != "" {
				continue
			}
			if j != current {
				if _, err := l.Reconfigure(ctx, v.Scenario); err != nil {
					if ctx.Err() != nil {
						runErr = err
						break rounds
					}
					failed[j] = err.Error()
					continue
				}
				current = j
				daemonOf(j)
			}
			f, err := l.Flap(ctx)
			if err != nil {
				if ctx.Err() != nil {
					runErr = fmt.Errorf("variant %s: %w", v.Name, err)
					break rounds
				}
				// Its daemon died (keepalived killed for overrunning its
				// real-time limit): the variant's answer, not the run's
				// end. The next variant starts a daemon of its own.
				failed[j] = fmt.Sprintf("died in its flap %d: %v", len(results[j])+1, err)
				current = -1
				continue
			}
			results[j] = append(results[j], f)
			rep.Order = append(rep.Order, v.Name)
			done++
			if progress != nil {
				progress(done, total, v.Name)
			}
		}
	}
	res, err := l.Close(ctx, runErr)
	rep.Host, rep.Variants = res.Host, summarize(variants, results, failed)
	for j := 1; j < len(variants); j++ {
		if onlyBuffer(variants[0], variants[j]) {
			rep.Unpredicted = predictable(results[0])
			break
		}
	}
	for j := range rep.Variants {
		rep.Variants[j].Daemon = daemons[j]
	}
	if err != nil && !errors.Is(err, result.ErrFinding) {
		if ctx.Err() != nil {
			rep.Interrupted = &result.Interrupted{By: result.StoppedBy(ctx), AfterFlaps: len(rep.Order), Of: total, Discarded: true}
		}
		return rep, err
	}
	return rep, nil
}
