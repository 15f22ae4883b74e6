package bird

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Link is one interface as BIRD believes it, from "show interfaces".
type Link struct {
	Name    string
	Index   int
	AdminUp bool
	LinkUp  bool
}

// Up says BIRD believes the link usable: administratively up with its
// carrier.
func (l Link) Up() bool { return l.AdminUp && l.LinkUp }

// ErrReply is a reply of BIRD's that reports an error (codes 8xxx and
// 9xxx: "9001 syntax error").
var ErrReply = errors.New("bird refused the command")

// ParseInterfaces reads the lines of BIRD's reply to "show interfaces"
// as its control socket sends them: a "1001" line per interface ("eth2
// up (index=3)"), a "1004" line of its flags ("MultiAccess ... AdminUp
// LinkUp MTU=1500"), "1003" lines of its addresses, each either coded
// ("1004-...") or continuing the code before (" ..."), up to "0000".
func ParseInterfaces(lines []string) ([]Link, error) {
	var out []Link
	code := ""
	for _, l := range lines {
		text := l
		switch {
		case len(l) >= 5 && isCode(l[:4]) && (l[4] == '-' || l[4] == ' '):
			code, text = l[:4], l[5:]
		case strings.HasPrefix(l, " "):
			text = l[1:]
		default:
			return nil, fmt.Errorf("show interfaces: unexpected line %q", l)
		}
		switch {
		case code == "0000":
			return out, nil
		case code[0] == '8' || code[0] == '9':
			return nil, fmt.Errorf("%w: %s", ErrReply, strings.TrimSpace(text))
		case code == "1001":
			f := strings.Fields(text)
			if len(f) < 1 {
				return nil, fmt.Errorf("show interfaces: empty interface line")
			}
			lk := Link{Name: f[0]}
			if i := strings.Index(text, "index="); i >= 0 {
				lk.Index, _ = strconv.Atoi(strings.TrimRight(text[i+len("index="):], ")"))
			}
			out = append(out, lk)
		case code == "1004" && len(out) > 0:
			for _, flag := range strings.Fields(text) {
				switch flag {
				case "AdminUp":
					out[len(out)-1].AdminUp = true
				case "LinkUp":
					out[len(out)-1].LinkUp = true
				}
			}
		}
	}
	return nil, fmt.Errorf("show interfaces: reply ended before 0000")
}

func isCode(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Client talks to a BIRD control socket, one command at a time.
type Client struct {
	conn net.Conn
	r    *bufio.Reader
}

// ctlTimeout bounds one exchange with BIRD's control socket.
const ctlTimeout = 5 * time.Second

// Dial connects to the control socket at path and reads BIRD's greeting
// ("0001 BIRD 2.0.12 ready.").
func Dial(path string) (*Client, error) {
	conn, err := net.DialTimeout("unix", path, ctlTimeout)
	if err != nil {
		return nil, fmt.Errorf("bird control socket: %w", err)
	}
	c := &Client{conn: conn, r: bufio.NewReader(conn)}
	conn.SetDeadline(time.Now().Add(ctlTimeout))
	hello, err := c.r.ReadString('\n')
	if err != nil || !strings.HasPrefix(hello, "0001 ") {
		conn.Close()
		return nil, fmt.Errorf("bird control socket %s: greeting %q: %v", path, strings.TrimSpace(hello), err)
	}
	return c, nil
}

// Interfaces asks "show interfaces" and returns BIRD's view of every
// link.
func (c *Client) Interfaces() ([]Link, error) {
	c.conn.SetDeadline(time.Now().Add(ctlTimeout))
	if _, err := c.conn.Write([]byte("show interfaces\n")); err != nil {
		return nil, fmt.Errorf("bird control socket: %w", err)
	}
	var lines []string
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			return nil, fmt.Errorf("bird control socket: %w", err)
		}
		l = strings.TrimRight(l, "\n")
		lines = append(lines, l)
		if strings.HasPrefix(l, "0000") || len(l) >= 5 && (l[0] == '8' || l[0] == '9') && isCode(l[:4]) && l[4] == ' ' {
			return ParseInterfaces(lines)
		}
	}
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }
