package diagnose

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/nlstress/nlstress/pkg/frr"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/scenario"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// frrReport looks for zebra among the sockets and analyses the frr.conf
// of opt, if any; nil when there is neither.
func frrReport(opt Options, socks []Socket) (*FRRReport, error) {
	rep := &FRRReport{Zebras: liveZebras(socks)}
	conf := opt.FRRConf
	if conf == "" {
		conf = DefaultFRRConf
	}
	if _, err := os.Stat(conf); err == nil || opt.FRRConfGiven {
		routers, err := frr.ReadConf(conf)
		if err != nil {
			return nil, err
		}
		size, from := zebraBuffer(rep.Zebras, opt.FRRDaemons)
		a := AnalyzeFRR(conf, routers, size, from)
		rep.Analysis = &a
	}
	if len(rep.Zebras) == 0 && rep.Analysis == nil {
		return nil, nil
	}
	return rep, nil
}

// liveZebras are the zebra processes among the sockets, with their
// listening and dataplane sockets and the --nl-bufsize on their command
// line.
func liveZebras(socks []Socket) []ZebraProcess {
	byPID := map[int]*ZebraProcess{}
	for i := range socks {
		s := &socks[i]
		if s.Comm != "zebra" || s.Protocol != sockdiag.ProtocolRoute || !slices.Contains(s.Groups, uint32(nlmon.GroupLink)) {
			continue
		}
		z := byPID[s.PID]
		if z == nil {
			z = &ZebraProcess{PID: s.PID}
			if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.PID)); err == nil {
				var args []string
				for _, a := range bytes.Split(bytes.TrimRight(b, "\x00"), []byte{0}) {
					args = append(args, string(a))
				}
				z.NLBufSize, _ = frr.NLBufSizeArg(args)
			}
			byPID[s.PID] = z
		}
		if slices.Contains(s.Groups, uint32(nlmon.GroupIPv4Route)) {
			s.Role = "zebra netlink-listen"
			z.Listen = s
		} else {
			s.Role = "zebra netlink-dp-in"
			z.DataplaneIn = s
		}
	}
	out := make([]ZebraProcess, 0, len(byPID))
	for _, z := range byPID {
		out = append(out, *z)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

// zebraBuffer is the --nl-bufsize the configuration runs with, and where
// it comes from: a running zebra's command line, else the daemons file
// frrinit.sh starts zebra from, else zebra's own default.
func zebraBuffer(zebras []ZebraProcess, daemons string) (int64, string) {
	dflt := int64(scenario.FRRDefaultNLBufSize)
	if len(zebras) > 0 {
		z := zebras[0]
		if z.NLBufSize > 0 {
			return z.NLBufSize, fmt.Sprintf("running zebra, pid %d", z.PID)
		}
		return dflt, fmt.Sprintf("zebra's default: running zebra, pid %d, has no -s", z.PID)
	}
	if daemons == "" {
		daemons = DefaultFRRDaemons
	}
	b, err := os.ReadFile(daemons)
	if err != nil {
		return dflt, "zebra's default: no zebra running, no readable " + daemons
	}
	if size, ok := frr.NLBufSizeArg(frr.DaemonsZebraOptions(string(b))); ok {
		return size, "zebra_options in " + daemons
	}
	return dflt, "zebra's default: " + daemons + " sets no -s"
}
