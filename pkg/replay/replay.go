// Package replay makes a user's keepalived configuration runnable in a
// lab: the interfaces it names laid out as veth pairs with the addresses
// it needs, the instances it defines, a mirror of them for the lab's peer
// router, and the configuration itself rewritten where the lab cannot run
// it as written. Every rewrite is listed; what the lab cannot reproduce is
// an error naming file:line.
package replay

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/nlstress/nlstress/pkg/kaconf"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/result"
)

// ErrReplay is wrapped by errors about a configuration the lab cannot
// replay (as opposed to one keepalived itself rejects, kaconf.ErrConfig).
var ErrReplay = errors.New("cannot replay keepalived configuration")

// PeerPriority is the priority of every instance of the lab's peer: the
// lowest, so that the replayed keepalived wins every election whatever
// priorities its configuration gives.
const PeerPriority = 1

// Options say what to replay.
type Options struct {
	// Conf is the keepalived configuration file.
	Conf string
	// ConfigID is keepalived's --config-id, for @ID lines.
	ConfigID string
	// Addresses are the subject's addresses per interface, given by the
	// user; they replace what the replay would infer for that interface.
	Addresses map[string][]netip.Prefix
}

// Instance is one replayed instance.
type Instance struct {
	Name      string
	VRID      uint8
	Interface int // index into Replay.Layout.Interfaces
	Family    int
	Priority  uint8
	Version   int           // 2 or 3
	AdvertInt time.Duration // keepalived's default 1 s when not set
	// VIPs are the virtual addresses (excluded ones too) without prefix
	// length or options: what the peer advertises.
	VIPs []netip.Addr
	// VMAC is the name of the VMAC keepalived makes, "" without use_vmac.
	VMAC string
	// Unicast reports unicast_peer: keepalived then ignores the peer's
	// multicast adverts (the built-in peer speaks multicast only).
	Unicast bool
}

// Change is one rewrite of the configuration, for the output.
type Change struct {
	// Keyword is what was rewritten; Where the first place, Count how
	// many statements.
	Keyword string `json:"keyword"`
	Where   string `json:"where"`
	Count   int    `json:"count"`
	Why     string `json:"why"`
	// Standin says the statements stay, their script replaced by a
	// stand-in, instead of going.
	Standin bool `json:"standin,omitempty"`
}

// String is the change as one line.
func (c Change) String() string {
	n := ""
	if c.Count > 1 {
		n = fmt.Sprintf(" (%d times)", c.Count)
	}
	what := "removed"
	if c.Standin {
		what = "kept"
	}
	return fmt.Sprintf("%s: %s %s%s: %s", c.Where, c.Keyword, what, n, c.Why)
}

// Replay is a configuration made ready for a lab.
type Replay struct {
	Conf      string
	Config    kaconf.Config
	Layout    lab.Layout
	Instances []Instance
	Changes   []Change
	// Inferred says, per interface, where its addresses came from.
	Inferred []string
	nodes    []*kaconf.Node // rewritten
	origin   []string       // per line of the last Render: file:line
}

// Load reads and checks the configuration and lays out its lab.
func Load(opt Options) (*Replay, error) {
	f, c, err := kaconf.ReadWithNodes(opt.Conf, kaconf.Options{ConfigID: opt.ConfigID})
	if err != nil {
		return nil, err
	}
	r := &Replay{Conf: opt.Conf, Config: c}
	if len(c.Instances) == 0 {
		return nil, fmt.Errorf("%w: %s: no vrrp_instance: nothing to replay", ErrReplay, opt.Conf)
	}
	if len(c.Instances) > lab.MaxInstances {
		in := c.Instances[lab.MaxInstances]
		return nil, fmt.Errorf("%w: %s:%d: %d instances: the lab holds at most %d", ErrReplay, in.File, in.Line, len(c.Instances), lab.MaxInstances)
	}
	if err := r.layout(opt.Addresses); err != nil {
		return nil, err
	}
	r.nodes = r.rewrite(f.Nodes)
	return r, nil
}

// findIface is the layout index of an interface, -1 when it has none.
func (r *Replay) findIface(name string) int {
	return slices.IndexFunc(r.Layout.Interfaces, func(ifc lab.LayoutInterface) bool { return ifc.Name == name })
}

// ifaceIndex returns the layout index of an interface, adding it.
func (r *Replay) ifaceIndex(name string) int {
	if i := r.findIface(name); i >= 0 {
		return i
	}
	r.Layout.Interfaces = append(r.Layout.Interfaces, lab.LayoutInterface{Name: name})
	return len(r.Layout.Interfaces) - 1
}

// devOf is the interface named by "dev X" in a virtual address or route
// as written, "" when none.
func devOf(text string) string {
	f := strings.Fields(text)
	for i := 0; i+1 < len(f); i++ {
		if f[i] == "dev" {
			return f[i+1]
		}
	}
	return ""
}

// layout works out the interfaces, in order of first use, their addresses,
// and the instances.
func (r *Replay) layout(given map[string][]netip.Prefix) error {
	c := r.Config
	for _, in := range c.Instances {
		k := r.ifaceIndex(in.Interface)
		prio := in.Priority
		if prio == 0 {
			prio = 100 // keepalived's default
		}
		if prio <= PeerPriority {
			return fmt.Errorf("%w: %s:%d: %s has priority %d: the lab's peer runs at %d and must lose", ErrReplay, in.File, in.Line, in.Name, prio, PeerPriority)
		}
		ri := Instance{Name: in.Name, VRID: uint8(in.VRID), Interface: k, Family: in.Family, Priority: uint8(prio),
			Version: in.Version, AdvertInt: in.AdvertInt, VMAC: in.VMACInterface(), Unicast: len(in.UnicastPeers) > 0}
		if ri.Version == 0 {
			ri.Version = 2
		}
		if ri.AdvertInt == 0 {
			ri.AdvertInt = time.Second
		}
		if ri.Family == 6 && ri.Version == 2 {
			ri.Version = 3 // keepalived runs IPv6 instances as VRRPv3
		}
		for _, v := range in.AllVIPs() {
			if ip, _, ok := kaconf.ParseVIP(v); ok && ip.Is4() == (in.Family == 4) {
				ri.VIPs = append(ri.VIPs, ip)
			}
			if d := devOf(v); d != "" {
				r.ifaceIndex(d)
			}
		}
		for _, t := range in.TrackIfaces {
			r.ifaceIndex(t)
		}
		for _, rt := range in.Routes {
			if d := devOf(rt); d != "" {
				r.ifaceIndex(d)
			}
		}
		r.Instances = append(r.Instances, ri)
		r.Layout.Instances = append(r.Layout.Instances, lab.LayoutInstance{VRID: ri.VRID, Interface: k, Family: ri.Family})
	}
	for _, g := range c.SyncGroups {
		for _, t := range g.TrackIfaces {
			r.ifaceIndex(t)
		}
	}
	if len(r.Layout.Interfaces) > lab.MaxInterfaces {
		return fmt.Errorf("%w: %s: %d interfaces (%s): the lab holds at most %d", ErrReplay, r.Conf, len(r.Layout.Interfaces), r.ifaceNames(), lab.MaxInterfaces)
	}
	for name := range given {
		if r.findIface(name) < 0 {
			return fmt.Errorf("%w: --interface-address %s: the configuration uses no such interface (it uses %s)", ErrReplay, name, r.ifaceNames())
		}
	}
	return r.addresses(given)
}

func (r *Replay) ifaceNames() string {
	var n []string
	for _, ifc := range r.Layout.Interfaces {
		n = append(n, ifc.Name)
	}
	return strings.Join(n, ", ")
}

// Names are the instances' names, in order.
func (r *Replay) Names() []string {
	out := make([]string, len(r.Instances))
	for i, in := range r.Instances {
		out[i] = in.Name
	}
	return out
}

// Warn adds a warning for the result, once.
func (r *Replay) Warn(w string) {
	for _, o := range r.Config.Warnings {
		if o == w {
			return
		}
	}
	r.Config.Warnings = append(r.Config.Warnings, w)
}

// Describe is the replay for a run's result.
func (r *Replay) Describe() *result.Replay {
	d := &result.Replay{Conf: r.Conf, Summary: r.Summary(), Addresses: r.Inferred, Warnings: r.Config.Warnings}
	for _, c := range r.Changes {
		d.Changes = append(d.Changes, c.String())
	}
	return d
}

// Summary is one line on what is replayed.
func (r *Replay) Summary() string {
	counts := map[string]int{}
	for _, in := range r.Instances {
		counts[r.Layout.Interfaces[in.Interface].Name]++
	}
	var parts []string
	for _, ifc := range r.Layout.Interfaces {
		parts = append(parts, fmt.Sprintf("%s (%d)", ifc.Name, counts[ifc.Name]))
	}
	return fmt.Sprintf("%s (read with config id %q): %d instances on %s; peer: nlstress's built-in engine mirroring every instance at priority %d", r.Conf, r.Config.ConfigID, len(r.Instances), strings.Join(parts, ", "), PeerPriority)
}
