package report

import (
	"io"
	"log/slog"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/nlstress/nlstress/pkg/capacity"
	"github.com/nlstress/nlstress/pkg/compare"
)

// SweepProgress reports a sweep's flaps on stderr: a progress bar with ETA
// when stderr is a terminal, one log line per flap otherwise (CI logs).
func SweepProgress(stderr io.Writer, total int) capacity.Progress {
	if set := bar(stderr, total, "sweep"); set != nil {
		return func(done, total int, _ capacity.Probe) { set(done, total) }
	}
	// Progress is information, not a warning: a logger of its own at INFO,
	// whatever level the command keeps its other logs at.
	log := slog.New(slog.NewTextHandler(stderr, nil))
	return func(done, total int, p capacity.Probe) {
		log.Info("sweep flap", "flap", done, "of_about", total, "vrids", p.VRIDs, "rcvbuf", int64(p.RcvBuf),
			"lossy_flaps", p.Loss.K, "stuck_flaps", p.Stuck.K, "flaps_at_this_buffer", p.Loss.N)
	}
}

// CompareProgress is a comparison's progress on stderr, as SweepProgress
// is a sweep's.
func CompareProgress(stderr io.Writer, total int) compare.Progress {
	if set := bar(stderr, total, "compare"); set != nil {
		return func(done, total int, _ string) { set(done, total) }
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	return func(done, total int, variant string) {
		log.Info("compare flap", "flap", done, "of", total, "variant", variant)
	}
}

// bar is a progress bar on stderr when it is a terminal, else nil.
func bar(stderr io.Writer, total int, what string) func(done, total int) {
	f, ok := stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	b := progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	return func(done, total int) {
		b.ChangeMax(total)
		_ = b.Set(done)
	}
}
