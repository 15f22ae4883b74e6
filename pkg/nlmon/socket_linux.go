package nlmon

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/bytesize"
	"github.com/nlstress/nlstress/pkg/netns"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// Config describes a monitor socket.
type Config struct {
	// NetNS is the namespace file descriptor to open the socket in; 0 is the
	// caller's namespace.
	NetNS int
	// Groups to join; empty means KeepalivedGroups.
	Groups []Group
	// RcvBuf is the receive buffer to ask for, bytes; the kernel doubles it.
	// 0 keeps the kernel default (net.core.rmem_default).
	RcvBuf bytesize.Size
	// Force uses SO_RCVBUFFORCE (needs CAP_NET_ADMIN, ignores rmem_max)
	// instead of SO_RCVBUF (capped at net.core.rmem_max).
	Force bool
	// NoENOBUFS sets NETLINK_NO_ENOBUFS: overruns are no longer reported to
	// the reader, but the kernel still drops and counts.
	NoENOBUFS bool
}

// Socket is an rtnetlink socket joined to multicast groups, read one
// datagram per system call.
//
// Its descriptor is a plain blocking one that Go's network poller never
// sees: a descriptor registered with the poller costs the kernel a wake-up
// of the poller's thread for every message queued to it, even when nobody
// reads, and that work lands on the sender of the storm. A silent oracle
// must be as silent as a C program's unread socket (measured: a second
// reader woken per message took the seed incident's stuck rate by hand
// from 7 of 12 flaps to 1 of 12).
type Socket struct {
	fd int
	// fdMu is held for reading by every use of fd and for writing by
	// Close, so that fd is never used after it is closed (or reused).
	fdMu      sync.RWMutex
	inode     uint32
	effective bytesize.Size
	capped    bool
	// mu guards cfg, effective and capped, which SetRcvBuf changes.
	mu  sync.Mutex
	cfg Config
	// interrupted stops Read; closing too, and makes it return os.ErrClosed.
	interrupted, closing atomic.Bool
}

// Open creates the socket in cfg.NetNS, sets and reads back its receive
// buffer, joins the groups and sets NETLINK_NO_ENOBUFS if asked. A forced
// buffer without CAP_NET_ADMIN is an error, never a silent fallback.
func Open(cfg Config) (*Socket, error) {
	s, err := openUnjoined(cfg)
	if err != nil {
		return nil, err
	}
	if err := s.join(); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openUnjoined is Open without joining the groups: the socket receives
// nothing until join.
func openUnjoined(cfg Config) (*Socket, error) {
	if len(cfg.Groups) == 0 {
		cfg.Groups = KeepalivedGroups
	}
	fd, err := socketIn(cfg.NetNS)
	if err != nil {
		return nil, fmt.Errorf("nlmon: open rtnetlink socket: %w", err)
	}
	s := &Socket{fd: fd, cfg: cfg}
	if err := s.setup(); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return s, nil
}

// socketIn creates a blocking rtnetlink socket in the namespace netnsFD
// (0: the caller's).
func socketIn(netnsFD int) (int, error) {
	fd := -1
	open := func() (err error) {
		fd, err = unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
		return err
	}
	var err error
	if netnsFD == 0 {
		err = open()
	} else {
		err = netns.DoFd(netnsFD, open)
	}
	return fd, err
}

func (s *Socket) setup() error {
	var err error
	if s.inode, err = sockdiag.Inode(s.fd); err != nil {
		return err
	}
	if err := s.SetRcvBuf(s.cfg.RcvBuf, s.cfg.Force); err != nil {
		return err
	}
	if err := unix.Bind(s.fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("nlmon: bind: %w", err)
	}
	// Blocking reads with a timeout: see Read.
	tv := unix.NsecToTimeval(readPoll.Nanoseconds())
	if err := unix.SetsockoptTimeval(s.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("nlmon: set SO_RCVTIMEO: %w", err)
	}
	if s.cfg.NoENOBUFS {
		if err := unix.SetsockoptInt(s.fd, unix.SOL_NETLINK, unix.NETLINK_NO_ENOBUFS, 1); err != nil {
			return fmt.Errorf("nlmon: set NETLINK_NO_ENOBUFS: %w", err)
		}
	}
	return nil
}

// use runs fn with the descriptor, or returns os.ErrClosed after Close.
func (s *Socket) use(fn func(fd int) error) error {
	s.fdMu.RLock()
	defer s.fdMu.RUnlock()
	if s.closing.Load() {
		return os.ErrClosed
	}
	return fn(s.fd)
}

// SetRcvBuf asks for a receive buffer of size bytes (0 leaves it as it
// is), forced (SO_RCVBUFFORCE) or not, and reads back what the kernel
// granted. It may be called while the socket is being read: a sweep
// changes only the buffer between series of flaps. The socket's Config,
// Effective and Capped follow.
func (s *Socket) SetRcvBuf(size bytesize.Size, force bool) error {
	if size > 0 {
		opt, name := unix.SO_RCVBUF, "SO_RCVBUF"
		if force {
			opt, name = unix.SO_RCVBUFFORCE, "SO_RCVBUFFORCE"
		}
		if err := s.use(func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_SOCKET, opt, int(size)) }); err != nil {
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("nlmon: %s %d: needs CAP_NET_ADMIN: %w", name, size, err)
			}
			return fmt.Errorf("nlmon: %s %d: %w", name, size, err)
		}
	}
	var got int
	err := s.use(func(fd int) (err error) {
		got, err = unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF)
		return err
	})
	if err != nil {
		return fmt.Errorf("nlmon: read back SO_RCVBUF: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.RcvBuf, s.cfg.Force = size, force
	s.effective = bytesize.Size(got)
	s.capped = Capped(int64(size), int64(s.effective), force)
	return nil
}

// join joins the socket's groups, one setsockopt each.
func (s *Socket) join() error { return s.membership(unix.NETLINK_ADD_MEMBERSHIP, "join") }

// leave leaves the socket's groups: nothing more is queued for it.
func (s *Socket) leave() error { return s.membership(unix.NETLINK_DROP_MEMBERSHIP, "leave") }

func (s *Socket) membership(opt int, verb string) error {
	for _, g := range s.Config().Groups {
		err := s.use(func(fd int) error { return unix.SetsockoptInt(fd, unix.SOL_NETLINK, opt, int(g)) })
		if err != nil {
			return fmt.Errorf("nlmon: %s group %s: %w", verb, g, err)
		}
	}
	return nil
}

// Effective is the receive buffer the kernel granted (SO_RCVBUF read back):
// twice the request, unless capped.
func (s *Socket) Effective() bytesize.Size {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.effective
}

// Capped reports whether a plain SO_RCVBUF request was cut down by
// net.core.rmem_max: the effective buffer is less than twice the request.
func (s *Socket) Capped() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.capped
}

// Inode is the socket's inode, its key in sockdiag.
func (s *Socket) Inode() uint32 { return s.inode }

// Config is the configuration the socket was opened with.
func (s *Socket) Config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// MemInfo reads the socket's own queue, buffer and drop counters.
func (s *Socket) MemInfo() (mi sockdiag.MemInfo, err error) {
	err = s.use(func(fd int) (err error) {
		mi, err = sockdiag.ReadMemInfo(fd)
		return err
	})
	return mi, err
}

// readPoll is how often a blocked Read wakes to see whether it was
// interrupted (SO_RCVTIMEO).
const readPoll = 50 * time.Millisecond

// Read reads one datagram into b with one blocking read(2) on the
// calling thread, as a C daemon's reader does: the kernel wakes it the
// moment a message is queued, with no trip through Go's network poller
// (whose wake-up latency made the reader fall further behind in a storm).
// It does not allocate. An overrun comes back as an error for which
// errors.Is(err, unix.ENOBUFS) holds; the socket stays usable. After
// Interrupt it returns os.ErrDeadlineExceeded within readPoll. b should be
// at least 32 KiB.
func (s *Socket) Read(b []byte) (int, error) {
	s.fdMu.RLock()
	defer s.fdMu.RUnlock()
	for {
		if s.interrupted.Load() {
			return 0, os.ErrDeadlineExceeded
		}
		if s.closing.Load() {
			return 0, os.ErrClosed
		}
		n, err := unix.Read(s.fd, b)
		if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return 0, os.NewSyscallError("read", err)
		}
		return n, nil
	}
}

// Interrupt makes a blocked Read return with os.ErrDeadlineExceeded, and
// every later Read at once.
func (s *Socket) Interrupt() error {
	s.interrupted.Store(true)
	return nil
}

// TryRead reads one datagram if one is queued, and returns 0, nil if none is.
func (s *Socket) TryRead(b []byte) (int, error) {
	var n int
	err := s.use(func(fd int) (err error) {
		n, _, err = unix.Recvfrom(fd, b, unix.MSG_DONTWAIT)
		return err
	})
	if errors.Is(err, unix.EAGAIN) {
		return 0, nil
	}
	if err != nil {
		return 0, os.NewSyscallError("recvfrom", err)
	}
	return n, nil
}

// Close closes the socket. A blocked Read returns within readPoll first;
// every later use returns os.ErrClosed. Closing twice is harmless.
func (s *Socket) Close() error {
	if !s.closing.CompareAndSwap(false, true) {
		return nil
	}
	s.fdMu.Lock()
	defer s.fdMu.Unlock()
	if err := unix.Close(s.fd); err != nil {
		return fmt.Errorf("nlmon: close: %w", err)
	}
	return nil
}
