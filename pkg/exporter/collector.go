package exporter

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/outfile"
)

// Collector is a prometheus.Collector of a host's netlink sockets, read
// through sock_diag at every scrape, and of the configurations diagnose
// sizes (their estimated storm beside their monitor's buffer).
type Collector struct {
	// look is one diagnose report; with an error, the sockets it still
	// holds are sent and the configurations are marked unreadable.
	look func() (diagnose.Report, error)
	// totals, when set, adds the churn-proof drop counter
	// (nlstress_netlink_drops_total): only a process that stays up, an
	// exporter, can keep one.
	mu     sync.Mutex
	totals *Totals

	sockets, drops, dropsTotal, rcvbuf, queued, info *prometheus.Desc
	conf                                             confDescs
}

// Static is a collector of one diagnose report, for a one-shot
// exposition: it has no drop counter, which needs scrapes over time.
func Static(rep diagnose.Report) *Collector {
	return newCollector(func() (diagnose.Report, error) { return rep, nil }, false)
}

func newCollector(look func() (diagnose.Report, error), counter bool) *Collector {
	c := &Collector{
		look:       look,
		conf:       newConfDescs(),
		sockets:    prometheus.NewDesc(nameSockets, "Netlink sockets open, per owner, protocol and multicast groups.", labelNames, nil),
		drops:      prometheus.NewDesc(nameDrops, "Sum of sk_drops over the owner's netlink sockets open now (falls when a socket closes: a gauge; see nlstress_netlink_drops_total).", labelNames, nil),
		dropsTotal: prometheus.NewDesc(nameDropsTot, "Netlink messages the kernel dropped for the owner's sockets, counted by this exporter across socket churn.", labelNames, nil),
		rcvbuf:     prometheus.NewDesc(nameRcvBuf, "Smallest effective receive buffer (sk_rcvbuf) of the owner's netlink sockets.", labelNames, nil),
		queued:     prometheus.NewDesc(nameQueued, "Truesize queued now on the owner's netlink sockets (sk_rmem_alloc).", labelNames, nil),
		info:       prometheus.NewDesc(nameInfo, "One netlink socket: its owner's pid and its inode.", infoLabelNames, nil),
	}
	if counter {
		c.totals = NewTotals()
	}
	return c
}

// Describe sends the metrics' descriptions.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range append([]*prometheus.Desc{c.sockets, c.drops, c.rcvbuf, c.queued, c.info}, c.conf.all()...) {
		ch <- d
	}
	if c.totals != nil {
		ch <- c.dropsTotal
	}
}

// Collect looks at the host and sends the sockets' and configurations'
// metrics. A look that lists no socket is sent as an invalid metric,
// which the registry reports as the scrape's error; one that failed on a
// configuration still sends the sockets, with nlstress_config_unreadable
// 1.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	rep, err := c.look()
	if err != nil && len(rep.Sockets) == 0 {
		ch <- prometheus.NewInvalidMetric(c.sockets, fmt.Errorf("list netlink sockets: %w", err))
		return
	}
	if err != nil {
		slog.Warn("scrape: a configuration could not be read", "err", err)
	}
	c.conf.collect(ch, rep, err != nil)
	socks := rep.Sockets
	for _, g := range Aggregate(socks) {
		v := g.values()
		ch <- prometheus.MustNewConstMetric(c.sockets, prometheus.GaugeValue, float64(g.Sockets), v...)
		ch <- prometheus.MustNewConstMetric(c.drops, prometheus.GaugeValue, float64(g.Drops), v...)
		ch <- prometheus.MustNewConstMetric(c.rcvbuf, prometheus.GaugeValue, float64(g.RcvBuf), v...)
		ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(g.Queued), v...)
	}
	for _, s := range socks {
		v := append(ownerOf(s).values(), strconv.Itoa(s.PID), strconv.FormatUint(uint64(s.Inode), 10))
		ch <- prometheus.MustNewConstMetric(c.info, prometheus.GaugeValue, 1, v...)
	}
	if c.totals != nil {
		c.mu.Lock()
		totals := c.totals.Observe(socks)
		c.mu.Unlock()
		for o, n := range totals {
			ch <- prometheus.MustNewConstMetric(c.dropsTotal, prometheus.CounterValue, float64(n), o.values()...)
		}
	}
}

// Registry is a registry holding c alone.
func Registry(c *Collector) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(c); err != nil {
		return nil, fmt.Errorf("register the netlink collector: %w", err)
	}
	return reg, nil
}

// Write writes one scrape of reg in the text exposition format.
func Write(w io.Writer, reg prometheus.Gatherer) error {
	mfs, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("gather metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("encode %s: %w", mf.GetName(), err)
		}
	}
	return nil
}

// WriteTextfile writes one scrape of reg to path atomically (a temporary
// file in the same directory, renamed over path), as node_exporter's
// textfile collector needs: it never reads a half-written file. Only a
// regular file (or a path that does not exist yet) is written: a device
// such as /dev/full or /dev/null, or a link to one, is refused with
// outfile.ErrNotRegular and left as it is.
func WriteTextfile(path string, reg prometheus.Gatherer) error {
	return outfile.Write(path, func(w io.Writer) error { return Write(w, reg) })
}
