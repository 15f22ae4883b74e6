package exporter

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/nlstress/nlstress/pkg/diagnose"
	"github.com/nlstress/nlstress/pkg/frr"
)

// withLink is a socket that joined the link group (1) and others.
func withLink(s diagnose.Socket, groups ...uint32) diagnose.Socket {
	s.Groups = append([]uint32{1}, groups...)
	return s
}

func TestConfigMetrics(t *testing.T) {
	ka := &diagnose.KeepalivedReport{Analysis: diagnose.Analysis{Conf: "/etc/keepalived/keepalived.conf"}}
	ka.Estimate.Storm, ka.Estimate.Configured, ka.Estimate.Recommendation.Needed = 300000, 262144, 360000
	ka.Live = []diagnose.Socket{
		withLink(sock("current", "keepalived", 10, 1, 0, 262144, 0, "link"), 5),
		withLink(sock("current", "keepalived", 11, 2, 0, 131072, 0, "link"), 5), // a second child: the smallest counts
		sock("current", "keepalived", 10, 3, 0, 4096, 0, "ipv4-route"),          // takes no link message
	}
	fr := &diagnose.FRRReport{Analysis: &diagnose.FRRAnalysis{Conf: "/etc/frr/frr.conf", Routers: []frr.ConfRouter{}, Storm: 90000, Configured: 8388608}}
	for _, tt := range []struct {
		name string
		rep  diagnose.Report
		err  error
		want string
	}{
		{"keepalived running", diagnose.Report{Sockets: ka.Live, Keepalived: ka}, nil, `
# HELP nlstress_config_monitor_rcvbuf_bytes Smallest effective receive buffer of the running daemon's monitor sockets (absent when the daemon does not run).
# TYPE nlstress_config_monitor_rcvbuf_bytes gauge
nlstress_config_monitor_rcvbuf_bytes{config="/etc/keepalived/keepalived.conf",daemon="keepalived"} 131072
# HELP nlstress_config_storm_bytes Estimated truesize of the storm one flap of the configuration's interfaces sends the daemon's monitor socket (as nlstress diagnose estimates it).
# TYPE nlstress_config_storm_bytes gauge
nlstress_config_storm_bytes{config="/etc/keepalived/keepalived.conf",daemon="keepalived"} 300000
# HELP nlstress_config_unreadable 1 when a configuration named to the exporter could not be read at this scrape (the error is in the exporter's log).
# TYPE nlstress_config_unreadable gauge
nlstress_config_unreadable 0
`},
		{"zebra not running", diagnose.Report{Sockets: ka.Live[2:], FRR: fr}, nil, `
# HELP nlstress_config_storm_bytes Estimated truesize of the storm one flap of the configuration's interfaces sends the daemon's monitor socket (as nlstress diagnose estimates it).
# TYPE nlstress_config_storm_bytes gauge
nlstress_config_storm_bytes{config="/etc/frr/frr.conf",daemon="zebra"} 90000
# HELP nlstress_config_unreadable 1 when a configuration named to the exporter could not be read at this scrape (the error is in the exporter's log).
# TYPE nlstress_config_unreadable gauge
nlstress_config_unreadable 0
`},
		{"configuration unreadable, sockets still sent", diagnose.Report{Sockets: ka.Live[2:]}, errors.New("keepalived.conf:3: unknown keyword"), `
# HELP nlstress_config_unreadable 1 when a configuration named to the exporter could not be read at this scrape (the error is in the exporter's log).
# TYPE nlstress_config_unreadable gauge
nlstress_config_unreadable 1
# HELP nlstress_netlink_sockets Netlink sockets open, per owner, protocol and multicast groups.
# TYPE nlstress_netlink_sockets gauge
nlstress_netlink_sockets{groups="ipv4-route",namespace="current",owner="keepalived",protocol="route"} 1
`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := newCollector(func() (diagnose.Report, error) { return tt.rep, tt.err }, false)
			names := []string{nameConfStorm, nameConfMonitor, nameConfUnreadble}
			if tt.err != nil {
				names = append(names, nameSockets)
			}
			if err := testutil.CollectAndCompare(c, strings.NewReader(tt.want), names...); err != nil {
				t.Fatal(err)
			}
		})
	}
	// Nothing listed at all: the scrape fails.
	c := newCollector(func() (diagnose.Report, error) { return diagnose.Report{}, errors.New("sock_diag: permission denied") }, false)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	if _, err := reg.Gather(); err == nil {
		t.Fatal("a look that listed no socket gathered without error")
	}
}
