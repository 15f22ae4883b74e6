package frr

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// queryTimeout bounds one vty command when ctx has no earlier deadline.
const queryTimeout = 10 * time.Second

// Query runs one command on a daemon's vty socket (the "<daemon>.vty" of
// its --vty_socket directory) as vtysh does: the command and a NUL out;
// the output, three NULs and the command's status back. A status other
// than success (0) is an error quoting the output. It needs no vtysh and
// touches no /etc/frr.
func Query(ctx context.Context, socket, command string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", socket)
	if err != nil {
		return nil, fmt.Errorf("vty %s: %w", socket, err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	if _, err := c.Write(append([]byte(command), 0)); err != nil {
		return nil, fmt.Errorf("vty %s: send %q: %w", socket, command, err)
	}
	out, status, err := readReply(c)
	if err != nil {
		return nil, fmt.Errorf("vty %s: %q: %w", socket, command, err)
	}
	if status != 0 {
		return out, fmt.Errorf("vty %s: %q failed (status %d): %s", socket, command, status, bytes.TrimSpace(out))
	}
	return out, nil
}

// errNoTerminator is a reply that ended before its terminator.
var errNoTerminator = errors.New("reply ended without its terminator")

// readReply reads one reply: output up to three NULs, then the status
// byte.
func readReply(r io.Reader) (out []byte, status byte, err error) {
	var buf bytes.Buffer
	chunk := make([]byte, 64<<10)
	for {
		n, err := r.Read(chunk)
		buf.Write(chunk[:n])
		if b := buf.Bytes(); len(b) >= 4 && bytes.Equal(b[len(b)-4:len(b)-1], []byte{0, 0, 0}) {
			return b[:len(b)-4], b[len(b)-1], nil
		}
		if err == io.EOF {
			return buf.Bytes(), 0, errNoTerminator
		}
		if err != nil {
			return buf.Bytes(), 0, err
		}
	}
}
