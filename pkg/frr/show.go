package frr

import (
	"encoding/json"
	"fmt"
)

// Router is one virtual router as "show vrrp json" reports it: its VRID,
// base interface and the state of its IPv4 and IPv6 halves (vrrpd runs
// them as two independent routers).
type Router struct {
	VRID      uint8  `json:"vrid"`
	Version   int    `json:"version"`
	Interface string `json:"interface"`
	V4        Half   `json:"v4"`
	V6        Half   `json:"v6"`
}

// Half is one address family of a virtual router.
type Half struct {
	// Interface is the macvlan vrrpd found for the virtual MAC; empty
	// when it found none.
	Interface string `json:"interface"`
	Status    string `json:"status"` // StateInitialize, StateBackup, StateMaster
	Stats     struct {
		AdverTx     uint64 `json:"adverTx"`
		AdverRx     uint64 `json:"adverRx"`
		Transitions uint64 `json:"transitions"`
	} `json:"stats"`
}

// Of is the half of r for an address family, 4 or 6.
func (r Router) Of(family int) Half {
	if family == 6 {
		return r.V6
	}
	return r.V4
}

// ParseShow reads the output of "show vrrp json".
func ParseShow(b []byte) ([]Router, error) {
	var rs []Router
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("vrrpd's show vrrp json: %w", err)
	}
	return rs, nil
}

// Interface is one link as zebra believes it ("show interface json").
type Interface struct {
	Index       uint32 `json:"index"`
	Operational string `json:"operationalStatus"` // "up" or "down"
	Protodown   string `json:"protodown"`
}

// Up says zebra believes the link operational.
func (i Interface) Up() bool { return i.Operational == "up" }

// ParseInterfaces reads zebra's "show interface json": an object of
// interfaces by name.
func ParseInterfaces(b []byte) (map[string]Interface, error) {
	var m map[string]Interface
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("zebra's show interface json: %w", err)
	}
	return m, nil
}

// vrrpd's state names (vrrpd/vrrp.c, vrrp_state_names).
const (
	StateInitialize = "Initialize"
	StateBackup     = "Backup"
	StateMaster     = "Master"
)
