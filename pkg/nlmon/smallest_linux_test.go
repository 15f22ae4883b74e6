package nlmon

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/lab"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// dropsOurs flaps eth2 down and up while our monitor (no processing cost)
// reads with a plain SO_RCVBUF of size, and returns the kernel's drops.
func dropsOurs(b *testing.B, l *lab.Lab, size bytesize.Size) uint32 {
	s, err := Open(Config{NetNS: l.Subject.NS.Fd(), RcvBuf: size})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	m := NewMonitor(s, 0, PolicyNone)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, nil) }()
	flap(b, l, l.Interfaces[0].Index, false)
	flap(b, l, l.Interfaces[0].Index, true)
	waitQueueEmpty(b, func() (sockdiag.MemInfo, error) { return s.MemInfo() })
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	mi, err := s.MemInfo()
	if err != nil {
		b.Fatal(err)
	}
	return mi.Drops
}

// dropsIPMonitor does the same with "ip -rcvbuf SIZE monitor link address"
// (iproute2), printing to /dev/null, and reads its drops through sockdiag.
func dropsIPMonitor(b *testing.B, l *lab.Lab, size bytesize.Size) uint32 {
	ns := lab.NamespaceName(l.RunID, lab.RoleSubject)
	cmd := exec.Command("ip", "-n", ns, "-rcvbuf", strconv.FormatInt(int64(size), 10), "monitor", "link", "address")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() { cmd.Process.Kill(); <-exited }()
	var inode uint32
	deadline := time.Now().Add(10 * time.Second)
	for inode == 0 {
		select {
		case <-exited:
			// With a small buffer, ip's own start-up dump of the 255
			// links overruns ("netlink receive error No buffer space
			// available") and it exits: it cannot monitor at that size.
			b.Logf("ip monitor -rcvbuf %d exited at start: %s", size, strings.TrimSpace(stderr.String()))
			return math.MaxUint32
		default:
		}
		socks, err := sockdiag.List(l.Subject.NS.Fd())
		if err != nil {
			b.Fatal(err)
		}
		for _, s := range sockdiag.WithOwners(socks) {
			// "ip -n" re-executes itself inside the namespace, so the
			// owner is ip's child: the only group member here named ip.
			if s.Comm == "ip" && len(s.Groups) > 0 {
				inode = s.Inode
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("ip monitor's socket did not appear within 10s (%v): %s", cmd.Args, stderr.String())
		}
	}
	read := func() (sockdiag.MemInfo, error) {
		s, ok, err := sockdiag.Find(l.Subject.NS.Fd(), inode)
		if err == nil && !ok {
			select {
			case <-exited:
				// ip monitor exits on ENOBUFS ("netlink receive error No
				// buffer space available"): it lost the rest of the storm.
				b.Logf("ip monitor -rcvbuf %d exited during the flap: %s", size, strings.TrimSpace(stderr.String()))
				return sockdiag.MemInfo{Drops: math.MaxUint32}, nil
			case <-time.After(time.Second):
				err = fmt.Errorf("ip monitor's socket %d is gone but ip is still running", inode)
			}
		}
		return sockdiag.MemInfo{Rmem: s.Rmem, RcvBuf: s.RcvBuf, Drops: s.Drops}, err
	}
	flap(b, l, l.Interfaces[0].Index, false)
	flap(b, l, l.Interfaces[0].Index, true)
	waitQueueEmpty(b, read)
	mi, err := read()
	if err != nil {
		b.Fatal(err)
	}
	return mi.Drops
}

// waitQueueEmpty waits, with a deadline, until a reader has drained its
// socket.
func waitQueueEmpty(b *testing.B, read func() (sockdiag.MemInfo, error)) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		mi, err := read()
		if err != nil {
			b.Fatal(err)
		}
		if mi.Rmem == 0 {
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("reader left %d bytes queued for 10s", mi.Rmem)
		}
		time.Sleep(time.Millisecond)
	}
}

// smallestZeroLoss bisects between lo and hi (bytes requested) for the
// smallest buffer whose flap lost nothing, to within step bytes.
func smallestZeroLoss(lo, hi, step bytesize.Size, drops func(bytesize.Size) uint32) bytesize.Size {
	for hi-lo > step {
		mid := (lo + hi) / 2
		if drops(mid) == 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// BenchmarkSmallestBuffer finds, for the 255-VMAC flap storm (down and up),
// the smallest receive buffer with zero drops for our reader and for
// "ip monitor", in the same run on the same lab, taking turns (ours, ip,
// ours, ip ...) NLS_READER_ROUNDS times (10) so that the machine's drift
// hits both alike, and reports each side's median and spread and the
// ratio of the medians (ours/ip; at most 1 means ours needs no more). Run
// it once: -benchtime 1x.
//
// Each is a bisection, one flap per step: the queue's peak at a large
// buffer would not do, since a reader that keeps up gets the kernel's
// back-pressure (the broadcaster yields once a listener's queue passes
// half its buffer), so its queue at a small buffer stays far below its
// queue at a large one (results/FINDINGS.md).
func BenchmarkSmallestBuffer(b *testing.B) {
	if _, err := exec.LookPath("ip"); err != nil {
		b.Skip("needs iproute2's ip")
	}
	rounds := 10
	if v := os.Getenv("NLS_READER_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("NLS_READER_ROUNDS=%q: want 1 or more", v)
		}
		rounds = n
	}
	l, _ := vmacLab(b)
	const lo, hi, step = 4 * bytesize.KiB, 2 * bytesize.MiB, 4 * bytesize.KiB
	var ours, ip []float64
	for range b.N {
		ours, ip = ours[:0], ip[:0]
		for range rounds {
			ours = append(ours, float64(smallestZeroLoss(lo, hi, step, func(s bytesize.Size) uint32 { return dropsOurs(b, l, s) })))
			ip = append(ip, float64(smallestZeroLoss(lo, hi, step, func(s bytesize.Size) uint32 { return dropsIPMonitor(b, l, s) })))
		}
	}
	mo, mi := median(ours), median(ip)
	b.ReportMetric(mo, "ours-median-bytes")
	b.ReportMetric(mi, "ip-median-bytes")
	b.ReportMetric(slices.Min(ours), "ours-min-bytes")
	b.ReportMetric(slices.Max(ours), "ours-max-bytes")
	b.ReportMetric(slices.Min(ip), "ip-min-bytes")
	b.ReportMetric(slices.Max(ip), "ip-max-bytes")
	b.ReportMetric(mo/mi, "ours/ip-ratio")
	b.ReportMetric(float64(rounds), "rounds")
}

// median is the median of xs (the mean of the middle two for an even
// count); xs is sorted in place.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
