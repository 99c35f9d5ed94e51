package wgexit_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// closedPort returns a loopback TCP port nothing listens on any more.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	return port
}

func TestDeniedDestinationsAreResetAndUnmetered(t *testing.T) {
	canary := wgtest.StartCanary(t)
	_, canaryPort, _ := net.SplitHostPort(canary.Addr)
	other := closedPort(t)
	env := wgtest.Start(t, wgexit.Config{}, canary.Addr, "127.0.0.1:"+other)
	buyer := env.Buyer(t, wgexit.Peer{LeaseID: "ls_deny"})
	tests := []struct {
		name, addr string
	}{
		{name: "another loopback port", addr: "127.0.0.1:" + closedPort(t)},
		{name: "allowed but closed port", addr: "127.0.0.1:" + other},
		{name: "private", addr: "10.0.0.1:80"},
		{name: "metadata", addr: "169.254.169.254:80"},
		{name: "ipv6 loopback", addr: "[::1]:" + canaryPort},
		{name: "exit's own tunnel address", addr: env.Exit.Resolver().IPv4.String() + ":80"},
		{name: "another peer's tunnel address", addr: "10.200.0.9:80"},
		{name: "smtp on the canary", addr: "127.0.0.1:25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			start := time.Now()
			c, err := buyer.Dial(ctx, tt.addr)
			if err == nil {
				c.Close()
				t.Fatalf("dial %s: got a connection, want it refused", tt.addr)
			}
			if !strings.Contains(err.Error(), "refused") {
				t.Errorf("dial %s after %v: got %v, want connection refused (RST)", tt.addr, time.Since(start), err)
			}
		})
	}
	if got := env.Meter.Lease("ls_deny").Totals(); got != (meter.Totals{}) {
		t.Errorf("got meter %+v after refused dials, want zero", got)
	}
	if got := canary.Conns(); got != 0 {
		t.Errorf("got %d connections at the canary, want 0", got)
	}
}

func TestUDPFlows(t *testing.T) {
	echo := startUDPEcho(t)
	env := wgtest.Start(t, wgexit.Config{}, echo.String())
	buyer := env.Buyer(t, wgexit.Peer{LeaseID: "ls_udp"})
	conn, err := buyer.Net.DialUDP(echo)
	if err != nil {
		t.Fatalf("dial udp: %v", err)
	}
	defer conn.Close()
	msgs := []string{"ping", "a longer datagram of sixty bytes or so, padded out to there.", "x"}
	var want int64
	for _, m := range msgs {
		got := roundTrip(t, conn, m)
		if got != m {
			t.Errorf("echo of %q: got %q", m, got)
		}
		want += int64(len(m))
	}
	eventually(t, 5*time.Second, "udp meter", func() (bool, string) {
		got := env.Meter.Lease("ls_udp").Totals()
		return got == meter.Totals{Up: want, Down: want}, "got " + fmtTotals(got)
	})

	denied, err := buyer.Net.DialUDP(mustAddrPort("10.0.0.1:53"))
	if err != nil {
		t.Fatalf("dial udp: %v", err)
	}
	defer denied.Close()
	// gVisor records the ICMP error on the socket without waking a
	// blocked read, so the buyer polls: each read returns the error once
	// it has arrived.
	if _, err := denied.Write([]byte("hello?")); err != nil {
		t.Fatalf("write: %v", err)
	}
	eventually(t, 5*time.Second, "ICMP unreachable from a denied destination", func() (bool, string) {
		_ = denied.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		n, err := denied.Read(make([]byte, 64))
		return err != nil && strings.Contains(err.Error(), "refused"), fmt.Sprintf("read got %d bytes, %v", n, err)
	})
}
