package egresstable

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// SOCKS5 reply codes a refusal before any dial may produce: not allowed
// (the policy), host unreachable (a malformed or unresolvable host) and
// general failure (a request the exit would not parse). Connection
// refused and network unreachable would mean the exit tried to connect.
var socksRefusals = []byte{0x01, 0x02, 0x04}

// socksError is a SOCKS5 reply other than success.
type socksError struct{ reply byte }

func (e *socksError) Error() string { return fmt.Sprintf("socks5 reply %#02x", e.reply) }

func socksRefusal(err error) error {
	var se *socksError
	if !errors.As(err, &se) || !slices.Contains(socksRefusals, se.reply) {
		return fmt.Errorf("got %v, want a SOCKS5 refusal reply in % x", err, socksRefusals)
	}
	return nil
}

func getViaSOCKS(ctx context.Context, e *env, host string, port uint16) (string, error) {
	conn, err := new(net.Dialer).DialContext(ctx, "tcp", e.socks)
	if err != nil {
		return "", err
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := socksConnect(conn, host, port); err != nil {
		_ = conn.Close()
		return "", err
	}
	return getOverConn(conn, nil, host, port)
}

// socksConnect runs an RFC 1928 CONNECT without authentication, the way
// curl's socks5h does: IP literals as addresses, everything else
// (numeric spellings included) as a name for the far side to read.
func socksConnect(conn net.Conn, host string, port uint16) error {
	if _, err := conn.Write([]byte{5, 1, 0}); err != nil {
		return err
	}
	var greet [2]byte
	if _, err := io.ReadFull(conn, greet[:]); err != nil || greet != [2]byte{5, 0} {
		return fmt.Errorf("socks5 greeting answer % x: %v", greet, err)
	}
	req := append([]byte{5, 1, 0}, socksAddr(host)...)
	req = binary.BigEndian.AppendUint16(req, port)
	if _, err := conn.Write(req); err != nil {
		return err
	}
	return readSOCKSReply(conn)
}

func socksAddr(host string) []byte {
	bare := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, err := netip.ParseAddr(bare); err == nil {
		if a.Is4() {
			b := a.As4()
			return append([]byte{1}, b[:]...)
		}
		b := a.As16()
		return append([]byte{4}, b[:]...)
	}
	return append([]byte{3, byte(len(host))}, host...)
}

func readSOCKSReply(conn net.Conn) error {
	var hdr [4]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return fmt.Errorf("socks5 reply: %w", err)
	}
	if hdr[1] != 0 {
		return &socksError{reply: hdr[1]}
	}
	n := map[byte]int{1: 4, 4: 16}[hdr[3]]
	if hdr[3] == 3 {
		var l [1]byte
		if _, err := io.ReadFull(conn, l[:]); err != nil {
			return err
		}
		n = int(l[0])
	}
	_, err := io.ReadFull(conn, make([]byte, n+2))
	return err
}
