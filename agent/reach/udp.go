package reach

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// firstRetransmit is the wait before the first resend; each later wait
// doubles, as both STUN and NAT-PMP prescribe.
const firstRetransmit = 250 * time.Millisecond

// exchange sends req to addr over UDP, resending with doubling waits, until
// accept takes a reply or timeout passes (ErrNoAnswer). The socket is
// connected, so the kernel drops datagrams from any other source.
func exchange(parent context.Context, addr string, req []byte, timeout time.Duration, accept func([]byte) bool) error {
	ctx, cancel := context.WithTimeout(parent, timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr)
	if err != nil {
		return fmt.Errorf("dial %s: %w", addr, err)
	}
	defer c.Close()
	deadline, _ := ctx.Deadline()
	buf := make([]byte, 1500)
	for wait := firstRetransmit; ; wait *= 2 {
		if _, err := c.Write(req); err != nil {
			return fmt.Errorf("send to %s: %w", addr, err)
		}
		until := time.Now().Add(wait)
		if until.After(deadline) {
			until = deadline
		}
		if err := c.SetReadDeadline(until); err != nil {
			return err
		}
		ok, err := readUntil(c, buf, accept)
		switch {
		case ok:
			return nil
		case err != nil:
			return fmt.Errorf("read from %s: %w", addr, err)
		case parent.Err() != nil:
			return parent.Err() // shutting down: no evidence either way
		case !time.Now().Before(deadline) || ctx.Err() != nil:
			return fmt.Errorf("%w from %s within %v", ErrNoAnswer, addr, timeout)
		}
	}
}

// readUntil reads replies until accept takes one (true) or the read
// deadline passes (false, nil).
func readUntil(c net.Conn, buf []byte, accept func([]byte) bool) (bool, error) {
	for {
		n, err := c.Read(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if accept(buf[:n]) {
			return true, nil
		}
	}
}
