package flap

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/nlstress/nlstress/pkg/nlmon"
	"github.com/nlstress/nlstress/pkg/sockdiag"
)

// queue is a socket's queue as a Quiet reads it, moved by the test.
type queue struct {
	mu  sync.Mutex
	mi  sockdiag.MemInfo
	err error
	// grow makes every read find one more byte queued: a message
	// arriving at every poll.
	grow  bool
	reads int
}

func (q *queue) read() (sockdiag.MemInfo, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reads++
	if q.grow {
		q.mi.Rmem++
	}
	return q.mi, q.err
}

// polled waits until the Quiet has read the queue twice more (so once
// after whatever the test just set), for at most a minute.
func (q *queue) polled(t *testing.T) {
	t.Helper()
	q.mu.Lock()
	want := q.reads + 2
	q.mu.Unlock()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		q.mu.Lock()
		n := q.reads
		q.mu.Unlock()
		if n >= want {
			return
		}
		time.Sleep(QuietPoll / 2)
	}
	t.Fatal("the Quiet stopped reading its queue")
}

func (q *queue) set(f func(*queue)) {
	q.mu.Lock()
	f(q)
	q.mu.Unlock()
}

// A Quiet calls the namespace quiet only after nothing arrived for the
// stretch asked: not while the queue grows or drops (it gives up at its
// limit), yes once it stands still or only shrinks (the oracle reading),
// and a failed read ends both its Run and its Wait.
func TestQuiet(t *testing.T) {
	q := &queue{grow: true}
	quiet := NewQuiet(QueueGrowth(q.read))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan error, 1)
	go func() { ran <- quiet.Run(ctx) }()

	const stretch = 5 * QuietPoll
	if ok, err := quiet.Wait(ctx, stretch, 20*QuietPoll); err != nil || ok {
		t.Fatalf("a queue growing at every poll: Wait = %v, %v; want false (limit), nil", ok, err)
	}
	q.set(func(q *queue) { q.grow, q.mi.Drops = false, q.mi.Drops+1 })
	if ok, err := quiet.Wait(ctx, stretch, time.Minute); err != nil || !ok {
		t.Fatalf("a queue standing still: Wait = %v, %v; want true", ok, err)
	}
	before, _ := quiet.Since()
	if before < stretch {
		t.Fatalf("quiet after %v, want at least %v", before, stretch)
	}
	q.set(func(q *queue) { q.mi.Rmem = 0 }) // read out
	q.polled(t)
	if since, _ := quiet.Since(); since < before {
		t.Fatalf("a queue read out restarted the quiet (%v, was %v): reading is no arrival", since, before)
	}

	broken := errors.New("socket gone")
	q.set(func(q *queue) { q.err = broken })
	if err := <-ran; !errors.Is(err, broken) {
		t.Fatalf("Run after a failed read = %v, want %v", err, broken)
	}
	if _, err := quiet.Wait(ctx, time.Hour, time.Hour); !errors.Is(err, broken) {
		t.Fatalf("Wait after a failed read = %v, want %v", err, broken)
	}
}

// The reason a flap watches the peer's namespace too: taking the
// subject's end of a veth down changes the carrier of the peer's end,
// through the kernel's one linkwatch for every namespace, and only a
// socket in the peer's namespace hears it. Drained reads it out and
// reports it once.
func TestDrainedHearsThePeersCarrier(t *testing.T) {
	l := oneInstanceLab(t)
	s, err := nlmon.Open(nlmon.Config{NetNS: l.Peer.NS.Fd(), Groups: []nlmon.Group{nlmon.GroupLink}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	arrived := Drained(s)
	// until waits, with a deadline, for Drained to say want.
	until := func(want bool, what string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			got, err := arrived()
			if err != nil {
				t.Fatal(err)
			}
			if got == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: Drained still says %v after 10 s", what, got)
			}
			time.Sleep(QuietPoll)
		}
	}
	until(false, "a lab at rest")
	ifc := l.Interfaces[0]
	subjectSide := Links{Conn: l.Subject.Conn, Names: []string{ifc.Name}, Indexes: []uint32{ifc.Index}}
	if _, err := subjectSide.Set(false); err != nil {
		t.Fatal(err)
	}
	until(true, "the subject's end down")
	until(false, "the peer's carrier change read out")

	// An overrun is an arrival, not a failure: a socket with the
	// smallest buffer the kernel grants, and the peer's end set down
	// and up five times before it is read.
	small, err := nlmon.Open(nlmon.Config{NetNS: l.Peer.NS.Fd(), Groups: []nlmon.Group{nlmon.GroupLink}, RcvBuf: 1, Force: true})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	peerSide := Links{Conn: l.Peer.Conn, Names: []string{ifc.Name}, Indexes: []uint32{ifc.Index}}
	for i := 0; i < 5; i++ {
		for _, up := range []bool{false, true} {
			if _, err := peerSide.Set(up); err != nil {
				t.Fatal(err)
			}
		}
	}
	if mi, err := small.MemInfo(); err != nil || mi.Drops == 0 {
		t.Fatalf("the small socket dropped %d messages (%v): the test made no overrun", mi.Drops, err)
	}
	if got, err := Drained(small)(); err != nil || !got {
		t.Fatalf("after an overrun Drained = %v, %v; want true, nil", got, err)
	}
}
