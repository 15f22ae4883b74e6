package keepalived

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Notification is one line of keepalived's notify_fifo about a VRRP
// instance: INSTANCE "VI_1" MASTER 200.
type Notification struct {
	At       time.Time // when nlstress read it
	Instance string    // "VI_1"
	State    string    // MASTER, BACKUP, FAULT, STOP
	Priority int
}

// ErrNotInstance is returned by ParseNotification for FIFO lines about
// other things (GROUP, MASTER_RX_LOWER_PRI, ...), which nlstress ignores.
var ErrNotInstance = errors.New("not an instance state line")

// ParseNotification parses one notify_fifo line.
func ParseNotification(line string) (Notification, error) {
	f := strings.Fields(strings.TrimSpace(line))
	if len(f) < 3 || f[0] != "INSTANCE" {
		return Notification{}, ErrNotInstance
	}
	name, err := strconv.Unquote(f[1])
	if err != nil {
		return Notification{}, fmt.Errorf("notify line %q: instance name: %w", line, err)
	}
	n := Notification{Instance: name, State: f[2]}
	switch n.State {
	case "MASTER", "BACKUP", "FAULT", "STOP":
	default:
		return Notification{}, ErrNotInstance
	}
	if len(f) >= 4 {
		if n.Priority, err = strconv.Atoi(f[3]); err != nil {
			return Notification{}, fmt.Errorf("notify line %q: priority: %w", line, err)
		}
	}
	return n, nil
}
