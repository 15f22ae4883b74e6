package nlmon

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdlayher/socket"
	"golang.org/x/sys/unix"

	"github.com/nlstress/nlstress/pkg/bytesize"
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
type Socket struct {
	c         *socket.Conn
	fd        int
	inode     uint32
	effective bytesize.Size
	capped    bool
	// mu guards cfg, effective and capped, which SetRcvBuf changes.
	mu  sync.Mutex
	cfg Config
	// interrupted stops Read.
	interrupted atomic.Bool
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
	c, err := socket.Socket(unix.AF_NETLINK, unix.SOCK_RAW, unix.NETLINK_ROUTE, "nlmon", &socket.Config{NetNS: cfg.NetNS})
	if err != nil {
		return nil, fmt.Errorf("nlmon: open rtnetlink socket: %w", err)
	}
	s := &Socket{c: c, cfg: cfg}
	if err := s.setup(); err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func (s *Socket) setup() error {
	rc, err := s.c.SyscallConn()
	if err != nil {
		return fmt.Errorf("nlmon: %w", err)
	}
	if err := rc.Control(func(fd uintptr) { s.fd = int(fd) }); err != nil {
		return fmt.Errorf("nlmon: %w", err)
	}
	if s.inode, err = sockdiag.Inode(s.fd); err != nil {
		return err
	}
	if err := s.SetRcvBuf(s.cfg.RcvBuf, s.cfg.Force); err != nil {
		return err
	}
	if err := s.c.Bind(&unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("nlmon: bind: %w", err)
	}
	// Blocking reads with a timeout: see Read.
	if err := unix.SetNonblock(s.fd, false); err != nil {
		return fmt.Errorf("nlmon: set blocking: %w", err)
	}
	tv := unix.NsecToTimeval(readPoll.Nanoseconds())
	if err := unix.SetsockoptTimeval(s.fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return fmt.Errorf("nlmon: set SO_RCVTIMEO: %w", err)
	}
	if s.cfg.NoENOBUFS {
		if err := s.c.SetsockoptInt(unix.SOL_NETLINK, unix.NETLINK_NO_ENOBUFS, 1); err != nil {
			return fmt.Errorf("nlmon: set NETLINK_NO_ENOBUFS: %w", err)
		}
	}
	return nil
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
		if err := s.c.SetsockoptInt(unix.SOL_SOCKET, opt, int(size)); err != nil {
			if errors.Is(err, unix.EPERM) {
				return fmt.Errorf("nlmon: %s %d: needs CAP_NET_ADMIN: %w", name, size, err)
			}
			return fmt.Errorf("nlmon: %s %d: %w", name, size, err)
		}
	}
	got, err := s.c.GetsockoptInt(unix.SOL_SOCKET, unix.SO_RCVBUF)
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
func (s *Socket) join() error {
	for _, g := range s.cfg.Groups {
		if err := s.c.SetsockoptInt(unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, int(g)); err != nil {
			return fmt.Errorf("nlmon: join group %s: %w", g, err)
		}
	}
	return nil
}

// leave leaves the socket's groups: nothing more is queued for it.
func (s *Socket) leave() error {
	for _, g := range s.cfg.Groups {
		if err := s.c.SetsockoptInt(unix.SOL_NETLINK, unix.NETLINK_DROP_MEMBERSHIP, int(g)); err != nil {
			return fmt.Errorf("nlmon: leave group %s: %w", g, err)
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
func (s *Socket) MemInfo() (sockdiag.MemInfo, error) { return sockdiag.ReadMemInfo(s.fd) }

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
	for {
		if s.interrupted.Load() {
			return 0, os.ErrDeadlineExceeded
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
	var rerr error
	rc, err := s.c.SyscallConn()
	if err != nil {
		return 0, err
	}
	err = rc.Control(func(fd uintptr) {
		n, _, rerr = unix.Recvfrom(int(fd), b, unix.MSG_DONTWAIT)
	})
	if err != nil {
		return 0, err
	}
	if errors.Is(rerr, unix.EAGAIN) {
		return 0, nil
	}
	return n, rerr
}

// Close closes the socket; a blocked Read returns.
func (s *Socket) Close() error { return s.c.Close() }
