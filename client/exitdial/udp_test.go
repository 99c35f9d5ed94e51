package exitdial

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

func TestDialUDPRoundTrip(t *testing.T) {
	checkGoroutines(t)
	o := newUDPOrigin(t)
	s := quicexittest.Start(t, o.addr())
	d := newDialer(t, exitOf(t, s))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := d.DialUDP(ctx, o.addr())
	if err != nil {
		t.Fatalf("DialUDP: %v", err)
	}
	if got := c.RemoteAddr(); got.String() != o.addr() || got.Network() != "udp" {
		t.Errorf("RemoteAddr: got %s %q, want udp %q", got.Network(), got, o.addr())
	}
	if got := c.ExitNodeID(); got != s.NodeID() {
		t.Errorf("ExitNodeID: got %q, want %q", got, s.NodeID())
	}
	var want meter.Totals
	for _, q := range []string{"first", "a second query", strings.Repeat("q", 1000), ""} {
		if got := ask(t, c, q); got != answerPrefix+q {
			t.Fatalf("answer: got %q, want %q", got, answerPrefix+q)
		}
		want.Up += int64(len(q))
		want.Down += int64(len(answerPrefix + q))
	}
	if err := c.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	waitTunnels(t, s, 0)
	if got := s.Meter.Lease(quicexittest.LeaseID).Totals(); got != want {
		t.Errorf("exit meter: got %+v, want %+v", got, want)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read after Close: got %v, want net.ErrClosed", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: got %v, want net.ErrClosed", err)
	}
}

// waitTunnels waits up to 5s for the exit to have n tunnels and flows open.
func waitTunnels(t *testing.T, s *quicexittest.Server, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); s.Exit.ActiveTunnels() != n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("ActiveTunnels: got %d, want %d", s.Exit.ActiveTunnels(), n)
		}
	}
}

func TestDialUDPProxyErrors(t *testing.T) {
	o := newUDPOrigin(t)
	s := quicexittest.Start(t, o.addr())
	elsewhere := newUDPOrigin(t)
	tests := []struct {
		name, target, token string
		wantStatus          int
		wantType            string
	}{
		{"egress denies other port", elsewhere.addr(), s.Token(t, nil), 403, "destination_ip_prohibited"},
		{"egress denies private", "192.168.1.1:53", s.Token(t, nil), 403, "destination_ip_prohibited"},
		{"bad token", o.addr(), "slt1.bad.token", 407, "http_request_denied"},
		{"expired token", o.addr(), s.Token(t, func(c *lease.Claims) {
			c.IssuedAt, c.ExpiresAt = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		}), 407, "http_request_denied"},
		{"no quic", o.addr(), s.Token(t, func(c *lease.Claims) { c.Protocols = []string{"wg"} }), 403, "http_request_denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := exitOf(t, s)
			e.Token = tt.token
			_, err := newDialer(t, e).DialUDP(context.Background(), tt.target)
			var pe *ProxyError
			if !errors.As(err, &pe) {
				t.Fatalf("DialUDP: got error %v, want a *ProxyError", err)
			}
			if pe.Status != tt.wantStatus || pe.ProxyStatus() != tt.wantType || pe.Details == "" {
				t.Errorf("ProxyError: got %d %q (%q), want %d %q with details", pe.Status, pe.ProxyStatus(), pe.Details, tt.wantStatus, tt.wantType)
			}
		})
	}
}

func TestDialUDPRejectsLocally(t *testing.T) {
	d := newDialer(t, Exit{NodeID: "nd_none", Addr: "127.0.0.1:1"})
	for _, target := range []string{"example.com", "example.com:0", "example.com:domain", ":53", "[::1]:65536"} {
		if _, err := d.DialUDP(context.Background(), target); !errors.Is(err, ErrBadAddress) {
			t.Errorf("DialUDP(%q): got %v, want ErrBadAddress", target, err)
		}
	}
	d.Close()
	if _, err := d.DialUDP(context.Background(), "example.com:53"); !errors.Is(err, ErrClosed) {
		t.Errorf("DialUDP after Close: got %v, want ErrClosed", err)
	}
}

func TestUDPPath(t *testing.T) {
	tests := []struct{ target, want string }{
		{"192.0.2.1:53", udpPathPrefix + "192.0.2.1/53/"},
		{"dns.example:853", udpPathPrefix + "dns.example/853/"},
		{"[2001:db8::1]:443", udpPathPrefix + "2001%3Adb8%3A%3A1/443/"},
		{"[fe80::1%eth0]:53", udpPathPrefix + "fe80%3A%3A1%25eth0/53/"},
		{"a_b~c:1", udpPathPrefix + "a_b~c/1/"},
	}
	for _, tt := range tests {
		if got, err := udpPath(tt.target); err != nil || got != tt.want {
			t.Errorf("udpPath(%q): got %q, %v, want %q", tt.target, got, err, tt.want)
		}
	}
}

func TestUDPConnDeadlines(t *testing.T) {
	o := newUDPOrigin(t)
	s := quicexittest.Start(t, o.addr())
	c, err := newDialer(t, exitOf(t, s)).DialUDP(context.Background(), o.addr())
	if err != nil {
		t.Fatalf("DialUDP: %v", err)
	}
	defer c.Close()
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, err = c.Read(buf)
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("Read past the deadline: got %v, want a timeout", err)
	}
	// A deadline moved while Read waits applies to that Read.
	c.SetReadDeadline(time.Now().Add(time.Hour))
	got := make(chan error, 1)
	go func() { _, err := c.Read(buf); got <- err }()
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	select {
	case err := <-got:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read after the deadline moved closer: got %v, want a timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("Read still waiting %s after its deadline moved to 50ms", time.Since(start))
	}
	c.SetDeadline(time.Time{})
	if got := ask(t, c, "after timeouts"); got != answerPrefix+"after timeouts" {
		t.Errorf("answer after timeouts: got %q", got)
	}
	c.SetWriteDeadline(time.Now().Add(-time.Second))
	if _, err := c.Write([]byte("late")); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Write past the deadline: got %v, want a timeout", err)
	}
}

func TestUDPConnEndedByExit(t *testing.T) {
	checkGoroutines(t)
	o := newUDPOrigin(t)
	s := quicexittest.Start(t, o.addr())
	c, err := newDialer(t, exitOf(t, s)).DialUDP(context.Background(), o.addr())
	if err != nil {
		t.Fatalf("DialUDP: %v", err)
	}
	defer c.Close()
	ask(t, c, "hello")
	if n := s.Exit.CloseLease(quicexittest.LeaseID); n != 1 {
		t.Fatalf("CloseLease: got %d flows, want 1", n)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 16)); !errors.Is(err, ErrFlowEnded) {
		t.Errorf("Read after the exit ended the flow: got %v, want ErrFlowEnded", err)
	}
	if _, err := c.Write([]byte("x")); !errors.Is(err, ErrFlowEnded) {
		t.Errorf("Write after the exit ended the flow: got %v, want ErrFlowEnded", err)
	}
}

func TestUDPConnTooLarge(t *testing.T) {
	o := newUDPOrigin(t)
	s := quicexittest.Start(t, o.addr())
	c, err := newDialer(t, exitOf(t, s)).DialUDP(context.Background(), o.addr())
	if err != nil {
		t.Fatalf("DialUDP: %v", err)
	}
	defer c.Close()
	for _, size := range []int{MaxUDPPayload + 1, 64 << 10} {
		if _, err := c.Write(make([]byte, size)); !errors.Is(err, ErrDatagramTooLarge) {
			t.Errorf("Write of %d bytes: got %v, want ErrDatagramTooLarge", size, err)
		}
	}
	if got := ask(t, c, "small"); got != answerPrefix+"small" {
		t.Errorf("answer after refused writes: got %q", got)
	}
}

func TestDialUDPWithoutDatagrams(t *testing.T) {
	plain := startPlainExit(t)
	_, err := newDialer(t, plain).DialUDP(context.Background(), "192.0.2.1:53")
	if !errors.Is(err, ErrNoUDP) || errors.Is(err, ErrExitUnavailable) {
		t.Errorf("DialUDP through an exit without datagrams: got %v, want ErrNoUDP only", err)
	}
}

// FuzzUDPPayload checks that the parser of the exit's datagrams never
// panics, accepts exactly the datagrams with context ID 0, and returns
// what follows the ID.
func FuzzUDPPayload(f *testing.F) {
	f.Add([]byte{0, 'h', 'i'})
	f.Add([]byte{0x40, 0x00, 'x'})
	f.Add([]byte{0x01, 'x'})
	f.Add([]byte{0xc0})
	f.Fuzz(func(t *testing.T, d []byte) {
		p, ok := udpPayload(d)
		if !ok {
			return
		}
		if len(p) >= len(d) || string(d[len(d)-len(p):]) != string(p) {
			t.Fatalf("udpPayload(% x) = % x: want a proper suffix", d, p)
		}
		// A variable-length integer of value 0: a zero value in the first
		// byte, after its two length bits, and zero bytes after it.
		id := d[:len(d)-len(p)]
		if id[0]&0x3f != 0 || strings.Trim(string(id[1:]), "\x00") != "" {
			t.Fatalf("udpPayload(% x) accepted context ID % x, want 0", d, id)
		}
	})
}
