package egress_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

func TestDialLoopbackOnlyWhenAllowed(t *testing.T) {
	cases := []struct {
		name   string
		allow  func(srv, other netip.AddrPort) []string
		dial   func(srv, other netip.AddrPort) string
		reason egress.Reason // "" = must connect
	}{
		{"refused by default",
			func(srv, other netip.AddrPort) []string { return nil },
			func(srv, other netip.AddrPort) string { return srv.String() }, egress.ReasonLoopback},
		{"reachable with exact allow",
			func(srv, other netip.AddrPort) []string { return []string{srv.String()} },
			func(srv, other netip.AddrPort) string { return srv.String() }, ""},
		{"other port stays refused",
			func(srv, other netip.AddrPort) []string { return []string{other.String()} },
			func(srv, other netip.AddrPort) string { return srv.String() }, egress.ReasonLoopback},
		{"allowed address under another spelling",
			func(srv, other netip.AddrPort) []string { return []string{srv.String()} },
			func(srv, other netip.AddrPort) string { return fmt.Sprintf("0x7f.1:%d", srv.Port()) }, ""},
		{"allowed address mapped",
			func(srv, other netip.AddrPort) []string { return []string{srv.String()} },
			func(srv, other netip.AddrPort) string { return fmt.Sprintf("[::ffff:127.0.0.1]:%d", srv.Port()) }, ""},
		{"localhost name stays refused",
			func(srv, other netip.AddrPort) []string { return []string{srv.String()} },
			func(srv, other netip.AddrPort) string { return fmt.Sprintf("localhost:%d", srv.Port()) }, egress.ReasonLocalName},
		{"other loopback address refused",
			func(srv, other netip.AddrPort) []string { return []string{srv.String()} },
			func(srv, other netip.AddrPort) string { return fmt.Sprintf("127.0.0.2:%d", srv.Port()) }, egress.ReasonLoopback},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, other := startEcho(t), startEcho(t)
			var rules []egress.Rule
			for _, s := range tc.allow(srv.addr, other.addr) {
				rules = append(rules, mustRule(t, s))
			}
			p := newPolicy(t, egress.Config{Allow: rules})
			c, err := p.DialContext(context.Background(), "tcp", tc.dial(srv.addr, other.addr))
			if got := reasonOf(t, err); got != tc.reason {
				t.Fatalf("dial reason = %q (err %v), want %q", got, err, tc.reason)
			}
			wantAccepted := int64(0)
			if c != nil {
				wantAccepted = 1
				roundTrip(t, c, "hello exit")
				_ = c.Close()
			}
			if got := srv.accepted.Load() + other.accepted.Load(); got != wantAccepted {
				t.Errorf("listeners accepted %d connections, want %d", got, wantAccepted)
			}
		})
	}
}

func TestDialUDP(t *testing.T) {
	srv := startUDPEcho(t)
	p := newPolicy(t, egress.Config{Allow: []egress.Rule{mustRule(t, srv.String())}})
	c, err := p.DialContext(context.Background(), "udp4", srv.String())
	if err != nil {
		t.Fatalf("dial udp: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatalf("deadline: %v", err)
	}
	roundTrip(t, c, "datagram")

	other := netip.AddrPortFrom(srv.Addr(), srv.Port()+1)
	if got := reasonOf(t, dialErr(p, "udp", other.String())); got != egress.ReasonLoopback {
		t.Errorf("udp to another port reason = %q, want %q", got, egress.ReasonLoopback)
	}
}

func dialErr(p *egress.Policy, network, address string) error {
	c, err := p.DialContext(context.Background(), network, address)
	if c != nil {
		_ = c.Close()
	}
	return err
}

// TestDialUsesCheckedAddress scripts a rebinding name: the first answer is
// the allowed listener, every later one a refused address. One dial must
// ask the resolver once and connect to what it checked; the dialer's own
// resolver, which would give the refused address, must never be used.
func TestDialUsesCheckedAddress(t *testing.T) {
	srv := startEcho(t)
	res := egresstest.NewResolver().
		Answer("rebind.example", "127.0.0.2", srv.addr.Addr().String()).
		Answer("rebind.example", "127.0.0.2")
	poisoned := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		t.Errorf("dialer resolver used for %s %s", network, address)
		return nil, errors.New("dialer resolver must not be used")
	}}
	p := newPolicy(t, egress.Config{
		Allow:    []egress.Rule{mustRule(t, srv.addr.String())},
		Resolver: res,
		Dialer:   &net.Dialer{Timeout: 5 * time.Second, Resolver: poisoned},
	})
	address := fmt.Sprintf("rebind.example:%d", srv.addr.Port())
	c, err := p.DialContext(context.Background(), "tcp", address)
	if err != nil {
		t.Fatalf("first dial: %v", err)
	}
	if got := c.RemoteAddr().(*net.TCPAddr).AddrPort(); got != srv.addr {
		t.Errorf("connected to %s, want %s", got, srv.addr)
	}
	_ = c.Close()
	if got := len(res.Lookups()); got != 1 {
		t.Errorf("lookups after one dial = %d, want 1", got)
	}
	if got := reasonOf(t, dialErr(p, "tcp", address)); got != egress.ReasonLoopback {
		t.Errorf("dial after rebinding reason = %q, want %q", got, egress.ReasonLoopback)
	}
}

func TestDialControlHook(t *testing.T) {
	srv := startEcho(t)
	var calls int
	hookErr := errors.New("owner hook refuses")
	p := newPolicy(t, egress.Config{
		Allow: []egress.Rule{mustRule(t, srv.addr.String())},
		Dialer: &net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
			calls++
			if address != srv.addr.String() {
				return hookErr
			}
			return nil
		}},
	})
	if err := dialErr(p, "tcp", srv.addr.String()); err != nil {
		t.Fatalf("dial: %v", err)
	}
	if calls != 1 {
		t.Errorf("caller's Control ran %d times, want 1", calls)
	}
	cases := []struct {
		address string
		want    error
	}{
		{srv.addr.String(), nil},
		{"1.1.1.1:443", nil},
		{"127.0.0.1:1", egress.ErrDenied},
		{"[::1]:80", egress.ErrDenied},
		{"[fe80::1%lo]:80", egress.ErrDenied},
		{"[::ffff:10.0.0.1]:80", egress.ErrDenied},
		{"not-an-address", egress.ErrDenied},
	}
	for _, tc := range cases {
		if err := p.CheckRemote("", tc.address); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("hook check of %q = %v, want %v", tc.address, err, tc.want)
		}
	}
}

func TestDialRejectsBadInput(t *testing.T) {
	p := newPolicy(t, egress.Config{})
	cases := []struct {
		name, network, address string
		want                   error
	}{
		{"unknown network", "sctp", "1.1.1.1:443", net.UnknownNetworkError("sctp")},
		{"unix network", "unix", "/tmp/sock", net.UnknownNetworkError("unix")},
		{"missing port", "tcp", "1.1.1.1", egress.ErrInvalidHost},
		{"named port", "tcp", "1.1.1.1:https", egress.ErrInvalidHost},
		{"port too big", "tcp", "1.1.1.1:65536", egress.ErrInvalidHost},
		{"port zero", "tcp", "1.1.1.1:0", egress.ErrDenied},
		{"family mismatch v6", "tcp6", "1.1.1.1:443", egress.ErrDNS},
		{"family mismatch v4", "tcp4", "[2606:4700::1111]:443", egress.ErrDNS},
		{"smtp", "tcp", "1.1.1.1:25", egress.ErrDenied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := dialErr(p, tc.network, tc.address); !errors.Is(err, tc.want) {
				t.Errorf("DialContext(%s, %s) = %v, want an error wrapping %v", tc.network, tc.address, err, tc.want)
			}
		})
	}
}
