package exporter

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/procstat"
	"github.com/nlstress/nlstress/pkg/roottest"
	"github.com/nlstress/nlstress/pkg/stats"
)

// scrapeFor is how long the exporter is scraped under load: NLS_SCRAPE_FOR
// (a Go duration), 30 s by default (the short form in scripts/bench.sh;
// FINDINGS has 5 minutes).
func scrapeFor(b *testing.B) time.Duration {
	if v := os.Getenv("NLS_SCRAPE_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("NLS_SCRAPE_FOR=%q: %v", v, err)
		}
		return d
	}
	return 30 * time.Second
}

// loadSockets is how many rtnetlink sockets the load opens.
const loadSockets = 2000

// BenchmarkScrapeUnderLoad: 2,000 rtnetlink sockets joined to the link
// group open in a lab namespace, and the exporter's collector gathered 10
// times a second for scrapeFor. It reports the scrape time's p50 and p99
// and the growth per minute of the process's RSS and open files, least
// squares. Targets (scripts/bench.sh): p99 within a scrape interval,
// nothing growing.
func BenchmarkScrapeUnderLoad(b *testing.B) {
	roottest.Require(b)
	for range b.N {
		l, err := lab.Build(context.Background(), lab.Spec{Instances: 1})
		if err != nil {
			b.Fatal(err)
		}
		fds := make([]int, 0, loadSockets)
		err = netns.DoFd(l.Subject.NS.Fd(), func() error {
			for range loadSockets {
				fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
				if err != nil {
					return err
				}
				fds = append(fds, fd)
				if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: unix.RTMGRP_LINK}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("open %d sockets: %v", loadSockets, err)
		}
		reg, err := Registry(NewCollector(diagnose.Options{Namespace: lab.NamespaceName(l.RunID, lab.RoleSubject)}, true))
		if err != nil {
			b.Fatal(err)
		}
		var took []time.Duration
		var at, rss, open []float64
		t0 := time.Now()
		tick := time.NewTicker(100 * time.Millisecond)
		for time.Since(t0) < scrapeFor(b) {
			<-tick.C
			s := time.Now()
			if _, err := reg.Gather(); err != nil {
				b.Fatalf("scrape: %v", err)
			}
			took = append(took, time.Since(s))
			r, err1 := procstat.RSS(0)
			entries, err2 := os.ReadDir("/proc/self/fd")
			if err1 != nil || err2 != nil {
				b.Fatalf("readings: %v %v", err1, err2)
			}
			at = append(at, time.Since(t0).Minutes())
			rss, open = append(rss, float64(r)), append(open, float64(len(entries)))
		}
		tick.Stop()
		for _, fd := range fds {
			unix.Close(fd)
		}
		l.Teardown()
		slices.Sort(took)
		q := func(p float64) time.Duration { return took[int(p*float64(len(took)-1))] }
		b.ReportMetric(float64(q(0.5).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(q(0.99).Microseconds())/1000, "p99-ms")
		b.ReportMetric(stats.Slope(at, rss)/1024, "rss-KB/min")
		b.ReportMetric(stats.Slope(at, open), "fds/min")
		b.ReportMetric(float64(len(took)), "scrapes")
		b.Logf("%d scrapes of %d sockets: p50 %v, p99 %v, RSS %.1f -> %.1f MB, fds %.0f -> %.0f", len(took), loadSockets, q(0.5), q(0.99),
			rss[0]/(1<<20), rss[len(rss)-1]/(1<<20), open[0], open[len(open)-1])
	}
}
