package diagnose

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/preflight"
	"github.com/nlstress/nlstress/pkg/result"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// nearFull is the queue fill, as a fraction of rcvbuf, at which a socket
// is flagged: one more burst will overrun it.
const nearFull = 0.8

// Run looks at the host: its facts, its netlink sockets, a running zebra,
// and a keepalived and a FRR configuration when there are. It only reads.
func Run(opt Options) (Report, error) {
	rep := Report{SchemaVersion: result.SchemaVersion}
	h, err := preflight.ReadHost()
	if err != nil {
		return rep, err
	}
	rep.Host = Host{Host: h, Meaning: meaning(h)}
	if rep.Sockets, err = Sockets(opt); err != nil {
		return rep, err
	}
	if opt.Conf == "" {
		opt.Conf = DefaultConf
	}
	if _, err := os.Stat(opt.Conf); err == nil || opt.ConfGiven {
		a, err := analyzeConf(opt.Conf, opt.ConfigID, h.RmemMax)
		if err != nil {
			return rep, err
		}
		k := KeepalivedReport{Analysis: a}
		k.Live, k.Processes = liveKeepalived(rep.Sockets)
		rep.Keepalived = &k
	} else {
		// No configuration, but maybe a keepalived: still show its monitor.
		if live, procs := liveKeepalived(rep.Sockets); len(procs) > 0 {
			rep.Keepalived = &KeepalivedReport{Live: live, Processes: procs}
		}
	}
	if rep.FRR, err = frrReport(opt, rep.Sockets); err != nil {
		return rep, err
	}
	return rep, nil
}

// meaning says what the rmem sysctls mean for a daemon's monitor.
func meaning(h result.Host) string {
	return fmt.Sprintf("a daemon that asks with plain SO_RCVBUF gets at most %d (net.core.rmem_max %d, doubled); "+
		"with SO_RCVBUFFORCE (keepalived's vrrp_netlink_monitor_rcv_bufs_force, needs CAP_NET_ADMIN) the cap does not apply; "+
		"a socket that asks nothing gets net.core.rmem_default, %d",
		2*h.RmemMax, h.RmemMax, h.RmemDefault)
}

// liveKeepalived picks the monitor sockets of running keepalived
// processes: rtnetlink sockets with groups.
func liveKeepalived(socks []Socket) ([]Socket, []int) {
	var live []Socket
	pids := map[int]bool{}
	for _, s := range socks {
		if s.Comm == "keepalived" {
			pids[s.PID] = true
			if s.Protocol == sockdiag.ProtocolRoute && len(s.Groups) > 0 {
				live = append(live, s)
			}
		}
	}
	var out []int
	for p := range pids {
		out = append(out, p)
	}
	sort.Ints(out)
	return live, out
}

// Sockets lists the netlink sockets of the chosen namespaces, with their
// owners, sorted by namespace, owner and inode.
func Sockets(opt Options) ([]Socket, error) {
	spaces, err := namespaces(opt)
	if err != nil {
		return nil, err
	}
	var out []Socket
	for _, ns := range spaces {
		socks, err := listIn(ns.path)
		if err != nil {
			if opt.AllNamespaces && ns.path != "" {
				continue // a process that exited meanwhile
			}
			return nil, fmt.Errorf("list netlink sockets in %s: %w", ns.name, err)
		}
		for _, s := range sockdiag.WithOwners(socks) {
			if s.Protocol == sockdiag.ProtocolSockDiag && s.PID == 0 && s.PortID != 0 {
				continue // the dump's own socket, closed before owners are read
			}
			d := Socket{Namespace: ns.name, Socket: s}
			if s.Protocol == sockdiag.ProtocolRoute {
				for _, g := range s.Groups {
					d.GroupNames = append(d.GroupNames, nlmon.Group(g).String())
				}
			}
			d.NearFull = s.RcvBuf > 0 && float64(s.Rmem) >= nearFull*float64(s.RcvBuf)
			out = append(out, d)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.PID != b.PID {
			return a.PID < b.PID
		}
		return a.Inode < b.Inode
	})
	return out, nil
}

type space struct {
	name string
	path string // "" for the caller's own
}

// namespaces are the namespaces to look into, each once.
func namespaces(opt Options) ([]space, error) {
	if opt.Namespace != "" {
		p := netns.Path(opt.Namespace)
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("network namespace %q: %w (ip netns lists the named ones)", opt.Namespace, err)
		}
		return []space{{name: opt.Namespace, path: p}}, nil
	}
	out := []space{{name: "current"}}
	if !opt.AllNamespaces {
		return out, nil
	}
	seen := map[uint64]bool{}
	if ino, err := nsInode("/proc/thread-self/ns/net"); err == nil {
		seen[ino] = true
	}
	add := func(name, path string) {
		ino, err := nsInode(path)
		if err != nil || seen[ino] {
			return
		}
		seen[ino] = true
		out = append(out, space{name: name, path: path})
	}
	if names, err := netns.List(""); err == nil {
		for _, n := range names {
			add(n, netns.Path(n))
		}
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err == nil {
			add("pid "+e.Name(), filepath.Join("/proc", e.Name(), "ns", "net"))
		}
	}
	return out, nil
}

// nsInode is the inode of a namespace file: its identity.
func nsInode(path string) (uint64, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0, err
	}
	return st.Ino, nil
}

// listIn dumps the netlink sockets of the namespace at path ("" for the
// caller's).
func listIn(path string) ([]sockdiag.Socket, error) {
	if path == "" {
		return sockdiag.List(0)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return sockdiag.List(int(f.Fd()))
}

// Watch samples the sockets every interval until ctx ends, and calls show
// with each socket's drop rate since the previous sample.
func Watch(ctx context.Context, opt Options, interval time.Duration, show func([]Rate) error) error {
	if interval <= 0 {
		return fmt.Errorf("--interval %v: want a positive sampling interval, e.g. 1s", interval)
	}
	prev := map[string]uint32{}
	last := time.Now()
	first := true
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		socks, err := Sockets(opt)
		if err != nil {
			return err
		}
		now := time.Now()
		dt := now.Sub(last).Seconds()
		rates := make([]Rate, 0, len(socks))
		for _, s := range socks {
			key := s.Namespace + "/" + strconv.FormatUint(uint64(s.Inode), 10)
			r := Rate{Socket: s}
			if p, ok := prev[key]; ok && !first && dt > 0 && s.Drops >= p {
				r.DropsPerSecond = float64(s.Drops-p) / dt
			}
			prev[key] = s.Drops
			rates = append(rates, r)
		}
		last, first = now, false
		if err := show(rates); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil
			}
			return ctx.Err()
		case <-tick.C:
		}
	}
}
