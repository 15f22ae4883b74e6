package engineproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"slices"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/vrrp"
)

// envSpec names the environment variable that makes a process the
// engine's child: the path of its Spec, as JSON.
const envSpec = "NLS_ENGINE_SPEC"

// gcPercent is the engine's GOGC.
const gcPercent = 25

// connFD is the child's end of the socket pair: the first of
// exec.Cmd.ExtraFiles.
const connFD = 3

// Main makes this process the engine's child, and exits when the engine
// stops, if it was started as one (by Start); otherwise it returns at
// once. Call it first in main, and in TestMain of any test binary whose
// tests start engines: the child is the same executable started again.
func Main() {
	path := os.Getenv(envSpec)
	if path == "" {
		return
	}
	if err := serve(path, os.NewFile(connFD, "engine-conn")); err != nil {
		fmt.Fprintf(os.Stderr, "nlstress engine: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is the engine's process: its router, its monitor, and what the
// monitor read about links since the parent last asked.
type child struct {
	router *vrrp.Router
	mon    *nlmon.Monitor
	// out carries every message to the one goroutine that writes them;
	// outMu and closed keep a late reply from sending on it once closed.
	out    chan message
	outMu  sync.RWMutex
	closed bool

	mu     sync.Mutex
	read   map[uint32]bool
	belief map[uint32]bool
}

// serve runs the engine of the spec at path in this process's namespace
// until SIGTERM, SIGINT or the parent's end of conn closing, then shuts
// its instances down (priority 0, addresses removed) and returns.
func serve(path string, conn *os.File) error {
	defer conn.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	var spec Spec
	if err := json.Unmarshal(b, &spec); err != nil {
		return fmt.Errorf("read spec %s: %w", path, err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), unix.SIGTERM, unix.SIGINT)
	defer stop()
	ns, err := netns.Current()
	if err != nil {
		return err
	}
	defer ns.Close()
	sock, err := nlmon.Open(nlmon.Config{Groups: spec.Groups, RcvBuf: spec.RcvBuf, Force: spec.Force, NoENOBUFS: spec.NoENOBUFS})
	if err != nil {
		return err
	}
	c := &child{mon: nlmon.NewMonitor(sock, spec.Cost, spec.Policy), out: make(chan message, 1024),
		read: map[uint32]bool{}, belief: map[uint32]bool{}}
	notify, err := newNotifier(spec.Notify, spec.Instances)
	if err != nil {
		sock.Close()
		return err
	}
	c.router, err = vrrp.NewRouter(vrrp.RouterConfig{Name: "subject", NS: ns, Instances: spec.Instances, Track: true, NoHistory: true, TransitionCost: spec.TransitionCost, TrackCost: spec.TrackCost,
		OnTransition: func(t vrrp.Transition) {
			c.send(message{Transition: &t})
			if notify != nil {
				notify.run(t)
			}
		}})
	if err != nil {
		sock.Close()
		return err
	}
	// What reading the spec and building the router left behind goes back
	// to the system now, not over minutes: the engine's memory is then its
	// running set, as a C daemon's is.
	// It then collects when the heap grew by a quarter, not doubled: a
	// router's garbage is the adverts it decoded, and its live set is
	// small; measured at 4080 instances (BenchmarkSoakEngineVsKeepalived4080At1s).
	b, spec.Instances = nil, nil
	debug.SetGCPercent(gcPercent)
	debug.FreeOSMemory()
	writeDone := make(chan error, 1)
	go func() { writeDone <- c.write(conn) }()
	c.send(message{Ready: true, Socket: c.socketInfo()})
	go func() {
		c.answer(ctx, conn)
		stop() // the parent is gone, or asked nothing more: stop
	}()

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() {
		defer wg.Done()
		errs <- c.router.Run(ctx)
		stop()
	}()
	go func() {
		defer wg.Done()
		defer func() { c.mon.Socket().Close() }()
		err := c.mon.Run(ctx, c.handle)
		if err != nil {
			err = fmt.Errorf("monitor: %w", err)
		}
		errs <- err
		stop()
	}()
	wg.Wait()
	close(errs)
	c.outMu.Lock()
	c.closed = true
	close(c.out)
	c.outMu.Unlock()
	var all []error
	for err := range errs {
		all = append(all, err)
	}
	if notify != nil {
		all = append(all, notify.close())
	}
	if err := <-writeDone; err != nil && !errors.Is(err, unix.EPIPE) {
		all = append(all, err)
	}
	return errors.Join(all...)
}

// handle is the monitor's handler: it notes what was read about links and
// hands every message to the router's event loop, waiting for it, as a
// single-threaded daemon does.
func (c *child) handle(ev *nlmon.Event) {
	link := ev.Type == nlmon.TypeNewLink || ev.Type == nlmon.TypeDelLink
	up := ev.Type == nlmon.TypeNewLink && ev.LinkUp()
	if link {
		c.mu.Lock()
		c.read[ev.Index], c.belief[ev.Index] = true, up
		c.mu.Unlock()
	}
	c.router.Notify(vrrp.LinkEvent{Link: link, Index: ev.Index, Up: up})
}

// send queues m for the parent; after the engine stopped it drops it.
func (c *child) send(m message) {
	c.outMu.RLock()
	defer c.outMu.RUnlock()
	if !c.closed {
		c.out <- m
	}
}

// write sends every message of c.out, in order, until it is closed.
func (c *child) write(conn io.Writer) error {
	enc := json.NewEncoder(conn)
	var failed error
	for m := range c.out {
		if failed == nil {
			failed = enc.Encode(m)
		}
	}
	return failed
}

// answer reads the parent's questions until its end closes, answering
// each in a goroutine of its own (a marker may take a while to be read).
func (c *child) answer(ctx context.Context, conn io.Reader) {
	dec := json.NewDecoder(conn)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		var q request
		if err := dec.Decode(&q); err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := c.reply(ctx, q)
			m.ID = q.ID
			c.send(m)
		}()
	}
}

// reply answers one question.
func (c *child) reply(ctx context.Context, q request) message {
	var m message
	var err error
	switch q.Op {
	case opCounts:
		var n nlmon.Counts
		n, err = c.mon.Counts()
		m.Counts, m.Socket = &n, c.socketInfo()
	case opIdle:
		m.Idle, err = c.mon.Idle()
	case opMarker:
		wctx, cancel := context.WithTimeout(ctx, q.Timeout)
		var n nlmon.Counts
		n, err = c.mon.WaitMarker(wctx, q.Marker)
		cancel()
		m.Counts = &n
	case opStats:
		st := c.mon.Stats()
		m.Stats = &st
	case opCounters:
		n := c.router.Counters()
		m.Counters = &n
	case opLinks:
		m.Links = c.links()
	case opRcvBuf:
		err = c.mon.Socket().SetRcvBuf(q.RcvBuf, q.Force)
		m.Socket = c.socketInfo()
	case opMemory:
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		m.Memory = &Memory{HeapLive: ms.HeapAlloc, Sys: ms.Sys, HeapReleased: ms.HeapReleased, Goroutines: runtime.NumGoroutine()}
	default:
		err = fmt.Errorf("unknown question %q", q.Op)
	}
	if err != nil {
		m.Err = err.Error()
	}
	return m
}

// links is what the monitor read about links since the last call.
func (c *child) links() *Links {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := &Links{Read: slices.Collect(maps.Keys(c.read)), Belief: maps.Clone(c.belief)}
	clear(c.read)
	return l
}

// socketInfo describes the monitor's socket now (a restart replaces it).
func (c *child) socketInfo() *SocketInfo {
	s := c.mon.Socket()
	return &SocketInfo{Inode: s.Inode(), Effective: s.Effective(), Capped: s.Capped()}
}
