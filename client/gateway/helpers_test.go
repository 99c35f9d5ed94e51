package gateway

import (
	"errors"
	"net"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
	"go.uber.org/zap/zaptest"
)

// testGateway is a running gateway with both listeners on loopback.
type testGateway struct {
	*Gateway
	socks, http string
	counter     *meter.Counter
}

func startGateway(t testing.TB, cfg Config, d Dialer) *testGateway {
	t.Helper()
	if cfg.Counter == nil {
		cfg.Counter = new(meter.Counter)
	}
	g, err := New(cfg, d, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	sa, err := g.ListenSOCKS5("127.0.0.1:0")
	if err != nil {
		t.Fatalf("ListenSOCKS5: %v", err)
	}
	ha, err := g.ListenHTTP("127.0.0.1:0")
	if err != nil {
		t.Fatalf("ListenHTTP: %v", err)
	}
	return &testGateway{Gateway: g, socks: sa.String(), http: ha.String(), counter: cfg.Counter}
}

// eventually polls cond until it holds or a few seconds pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// hostPort splits a listener address into its host and port.
func hostPort(t testing.TB, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("split %q: %v", addr, err)
	}
	return h, p
}

func mustAtoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("atoi %q: %v", s, err)
	}
	return n
}

// isReset reports a connection reset, which is how a server that closes
// with unread input ends the exchange on Linux.
func isReset(err error) bool { return errors.Is(err, syscall.ECONNRESET) }
