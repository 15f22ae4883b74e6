package diagnose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// Socket is one netlink socket as diagnose reports it.
type Socket struct {
	Namespace string `json:"namespace"`
	sockdiag.Socket
	GroupNames []string `json:"group_names,omitempty"`
	NearFull   bool     `json:"near_full"`
	// Role says what the socket is to its owner, where diagnose knows
	// ("zebra netlink-listen").
	Role string `json:"role,omitempty"`
}

// Host is the host's facts and what they mean.
type Host struct {
	result.Host
	Meaning string `json:"meaning"`
}

// KeepalivedReport is the configuration analysis and, where keepalived
// runs, its monitor sockets.
type KeepalivedReport struct {
	Analysis
	Live      []Socket `json:"live_monitor_sockets,omitempty"`
	Processes []int    `json:"processes,omitempty"`
}

// Report is what diagnose found.
type Report struct {
	// SchemaVersion is result.SchemaVersion: diagnose's JSON changes
	// version with the run results'.
	SchemaVersion int               `json:"schema_version"`
	Host          Host              `json:"host"`
	Sockets       []Socket          `json:"sockets"`
	Keepalived    *KeepalivedReport `json:"keepalived,omitempty"`
	FRR           *FRRReport        `json:"frr,omitempty"`
}

// Rate is one socket's drops per second over a watch interval.
type Rate struct {
	Socket
	DropsPerSecond float64 `json:"drops_per_second"`
}

// Label is a socket's owner as a person reads it: "keepalived (pid 42)".
func (s Socket) Label() string {
	if s.PID == 0 {
		if s.PortID == 0 {
			return "kernel"
		}
		return "unknown (portid " + strconv.FormatUint(uint64(s.PortID), 10) + ")"
	}
	return fmt.Sprintf("%s (pid %d)", strings.TrimSpace(s.Comm), s.PID)
}

// Problems counts what diagnose found wrong: sockets that dropped, and
// problems in the keepalived and FRR configurations.
func Problems(rep Report) int {
	n := 0
	for _, s := range rep.Sockets {
		if s.Drops > 0 {
			n++
		}
	}
	if rep.Keepalived != nil {
		for _, f := range rep.Keepalived.Findings {
			if f.Severity == "problem" {
				n++
			}
		}
	}
	if rep.FRR != nil && rep.FRR.Analysis != nil {
		for _, f := range rep.FRR.Analysis.Findings {
			if f.Severity == "problem" {
				n++
			}
		}
	}
	return n
}
