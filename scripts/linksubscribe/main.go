// Command linksubscribe is a netlink consumer as many Go programs are
// written: it follows links with vishvananda/netlink's LinkSubscribe and
// keeps, in a file, the links it believes up (IFF_UP and IFF_LOWER_UP),
// rewritten after each batch of updates. For nlstress's --target exec
// --probe (scripts/linksubscribe-target.sh).
//
// Like the library, it does not resync: LinkSubscribe's reader ends at its
// first receive error, ENOBUFS after an overrun included, and closes the
// channel. linksubscribe then says so on stderr and keeps running with the
// view it had, as a program that does not watch for the channel's close
// would: it follows nothing after.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func main() {
	state := flag.String("state", "believed-up", "file that holds the links believed up, one name per line")
	rcvbuf := flag.Int("rcvbuf", 0, "receive buffer of the subscription's socket, set with SO_RCVBUFFORCE (the kernel doubles it); 0 leaves the default")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	updates := make(chan netlink.LinkUpdate, 1024)
	done := make(chan struct{})
	opts := netlink.LinkSubscribeOptions{
		ListExisting:  true,
		ErrorCallback: func(err error) { log.Printf("subscription error: %v", err) },
	}
	if *rcvbuf > 0 {
		opts.ReceiveBufferSize, opts.ReceiveBufferForceSize = *rcvbuf, true
	}
	if err := netlink.LinkSubscribeWithOptions(updates, done, opts); err != nil {
		log.Fatalf("subscribe: %v", err)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	up := map[string]bool{}
	if err := write(*state, up); err != nil {
		log.Fatal(err)
	}
	for {
		select {
		case <-stop:
			close(done)
			return
		case u, ok := <-updates:
			if !ok {
				log.Printf("subscription ended: following no link from now on")
				updates = nil // blocks for ever: the view stays as it was
				continue
			}
			apply(up, u)
			// Take what else is waiting, then write once.
			for more := true; more; {
				select {
				case u, ok := <-updates:
					if !ok {
						log.Printf("subscription ended: following no link from now on")
						updates, more = nil, false
						continue
					}
					apply(up, u)
				default:
					more = false
				}
			}
			if err := write(*state, up); err != nil {
				log.Fatal(err)
			}
		}
	}
}

// apply notes one update: a link up with carrier is believed up, any
// other state or a removed link is not.
func apply(up map[string]bool, u netlink.LinkUpdate) {
	name := u.Attrs().Name
	if u.Header.Type == unix.RTM_DELLINK {
		delete(up, name)
		return
	}
	up[name] = u.IfInfomsg.Flags&unix.IFF_UP != 0 && u.IfInfomsg.Flags&unix.IFF_LOWER_UP != 0
}

// write replaces the state file with the names believed up, sorted.
func write(path string, up map[string]bool) error {
	var names []string
	for n, ok := range up {
		if ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp")
	if err := os.WriteFile(tmp, []byte(strings.Join(names, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("write the view: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write the view: %w", err)
	}
	return nil
}
