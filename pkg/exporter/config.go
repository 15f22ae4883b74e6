package exporter

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/nlmon"
)

// Metric names of the configurations diagnose sizes.
const (
	nameConfStorm     = "nlstress_config_storm_bytes"
	nameConfBuffer    = "nlstress_config_buffer_bytes"
	nameConfNeeded    = "nlstress_config_needed_buffer_bytes"
	nameConfMonitor   = "nlstress_config_monitor_rcvbuf_bytes"
	nameConfUnreadble = "nlstress_config_unreadable"
)

// confLabelNames are the labels of every configuration series: the
// daemon and its configuration file. The storm and the buffers share them,
// so that a rule compares them one to one.
var confLabelNames = []string{"daemon", "config"}

// confDescs describe the configuration metrics.
type confDescs struct {
	storm, buffer, needed, monitor, unreadable *prometheus.Desc
}

func newConfDescs() confDescs {
	return confDescs{
		storm: prometheus.NewDesc(nameConfStorm, "Estimated truesize of the storm one flap of the configuration's interfaces sends the daemon's monitor socket (as nlstress diagnose estimates it).", confLabelNames, nil),
		buffer: prometheus.NewDesc(nameConfBuffer, "Effective monitor receive buffer the configuration gives on this host (doubled by the kernel; capped by net.core.rmem_max without force).",
			confLabelNames, nil),
		needed:     prometheus.NewDesc(nameConfNeeded, "Effective monitor buffer that holds the estimated storm with diagnose's margin.", confLabelNames, nil),
		monitor:    prometheus.NewDesc(nameConfMonitor, "Smallest effective receive buffer of the running daemon's monitor sockets (absent when the daemon does not run).", confLabelNames, nil),
		unreadable: prometheus.NewDesc(nameConfUnreadble, "1 when a configuration named to the exporter could not be read at this scrape (the error is in the exporter's log).", nil, nil),
	}
}

func (d confDescs) all() []*prometheus.Desc {
	return []*prometheus.Desc{d.storm, d.buffer, d.needed, d.monitor, d.unreadable}
}

// collect sends the configuration metrics of rep; failed says its
// configurations could not all be read.
func (d confDescs) collect(ch chan<- prometheus.Metric, rep diagnose.Report, failed bool) {
	v := 0.0
	if failed {
		v = 1
	}
	ch <- prometheus.MustNewConstMetric(d.unreadable, prometheus.GaugeValue, v)
	if k := rep.Keepalived; k != nil && k.Conf != "" {
		l := []string{"keepalived", k.Conf}
		d.sizes(ch, l, k.Estimate.Storm, k.Estimate.Configured, k.Estimate.Recommendation.Needed)
		d.live(ch, l, k.Live)
	}
	if f := rep.FRR; f != nil && f.Analysis != nil {
		l := []string{"zebra", f.Analysis.Conf}
		d.sizes(ch, l, f.Analysis.Storm, f.Analysis.Configured, f.Analysis.Recommendation.Needed)
		var live []diagnose.Socket
		for _, z := range f.Zebras {
			if z.Listen != nil {
				live = append(live, *z.Listen)
			}
		}
		d.live(ch, l, live)
	}
}

func (d confDescs) sizes(ch chan<- prometheus.Metric, labels []string, storm, buffer, needed int64) {
	ch <- prometheus.MustNewConstMetric(d.storm, prometheus.GaugeValue, float64(storm), labels...)
	ch <- prometheus.MustNewConstMetric(d.buffer, prometheus.GaugeValue, float64(buffer), labels...)
	ch <- prometheus.MustNewConstMetric(d.needed, prometheus.GaugeValue, float64(needed), labels...)
}

// live sends the smallest buffer of the sockets that take link messages:
// the ones a flap's storm reaches.
func (d confDescs) live(ch chan<- prometheus.Metric, labels []string, socks []diagnose.Socket) {
	least := int64(-1)
	for _, s := range socks {
		if slices.Contains(s.Groups, uint32(nlmon.GroupLink)) && (least < 0 || int64(s.RcvBuf) < least) {
			least = int64(s.RcvBuf)
		}
	}
	if least >= 0 {
		ch <- prometheus.MustNewConstMetric(d.monitor, prometheus.GaugeValue, float64(least), labels...)
	}
}
