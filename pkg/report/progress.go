package report

import (
	"io"
	"log/slog"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/nlstress/nlstress/pkg/capacity"
)

// SweepProgress reports a sweep's flaps on stderr: a progress bar with ETA
// when stderr is a terminal, one log line per flap otherwise (CI logs).
func SweepProgress(stderr io.Writer, total int) capacity.Progress {
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("sweep"),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
		return func(done, total int, _ capacity.Probe) {
			bar.ChangeMax(total)
			_ = bar.Set(done)
		}
	}
	// Progress is information, not a warning: a logger of its own at INFO,
	// whatever level the command keeps its other logs at.
	log := slog.New(slog.NewTextHandler(stderr, nil))
	return func(done, total int, p capacity.Probe) {
		log.Info("sweep flap", "flap", done, "of_about", total, "vrids", p.VRIDs, "rcvbuf", int64(p.RcvBuf),
			"lossy_flaps", p.Loss.K, "stuck_flaps", p.Stuck.K, "flaps_at_this_buffer", p.Loss.N)
	}
}
