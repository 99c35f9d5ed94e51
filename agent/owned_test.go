package agent_test

import (
	"cmp"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/agent/owner"
	"github.com/sparelink/sparelink/agent/status"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
)

// testClock is the agents' injected clock.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *testClock { return &testClock{t: t} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// owned is an agent under test with the owner's handles on it.
type owned struct {
	*agent.Agent
	dir  string
	api  *status.Client
	stop func() error
}

// startOwned starts an agent that applies the owner's controls every
// 20ms and may reach allow.
func startOwned(t *testing.T, m *market, key string, edit func(*agent.Config), allow ...string) *owned {
	t.Helper()
	cfg := agentConfig(m, key, t.TempDir(), allow...)
	cfg.ControlInterval = 20 * time.Millisecond
	cfg.MaxRateBps = 0
	if edit != nil {
		edit(&cfg)
	}
	a, stop := startAgent(t, cfg)
	c, err := status.Dial(cfg.DataDir)
	if err != nil {
		t.Fatalf("status.Dial: %v", err)
	}
	return &owned{Agent: a, dir: cfg.DataDir, api: c, stop: stop}
}

// set changes one setting through the status API, as `sparelink-agent
// set` does.
func (o *owned) set(t *testing.T, name, value string) {
	t.Helper()
	if _, err := o.api.Set(context.Background(), name, value); err != nil {
		t.Fatalf("set %s %s: %v", name, value, err)
	}
}

// waitReason waits until the agent's decision gives want ("" when
// sharing) and returns it.
func (o *owned) waitReason(t *testing.T, want owner.Reason) owner.Decision {
	t.Helper()
	waitFor(t, "the decision reason "+string(want), func() bool { return o.Decision().Reason == want })
	return o.Decision()
}

// waitListedSpare waits until the broker lists the node with spare
// capacity that is zero (want false) or positive (want true).
func waitListedSpare(t *testing.T, m *market, o *owned, positive bool) {
	t.Helper()
	_, op := m.Operator()
	waitFor(t, "the broker to list the new spare capacity", func() bool {
		n, ok := m.Listed(op, o.NodeID())
		return ok && (n.SpareBps > 0) == positive
	})
}

// waitListedReason waits until the broker lists o as available, or as
// unavailable for reason.
func waitListedReason(t *testing.T, m *market, o *owned, reason owner.Reason) {
	t.Helper()
	_, op := m.Operator()
	waitFor(t, "the broker to list the node as "+cmp.Or(string(reason), "available"), func() bool {
		n, ok := m.Listed(op, o.NodeID())
		return ok && n.Available == (reason == "") && n.UnavailableReason == string(reason)
	})
}

// buyLeaseAs buys a one-exit QUIC lease with its own idempotency key.
func buyLeaseAs(t *testing.T, buyer *client.Client, country, name string) *api.Lease {
	t.Helper()
	l, err := buyer.CreateLease(context.Background(), "lease-"+t.Name()+"-"+name, api.LeaseRequest{
		Coverage:  api.Coverage{Country: country},
		Protocols: []string{api.ProtocolQUIC},
		Exits:     1,
		MaxBytes:  256 << 20,
	})
	if err != nil {
		t.Fatalf("create lease %s: %v", name, err)
	}
	return l
}

// refused dials o through d and checks that the exit refuses.
func refused(t *testing.T, d *exitdial.Dialer, target string) *exitdial.ProxyError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", target)
	if err == nil {
		c.Close()
		t.Fatalf("dial %s: got a tunnel, want the exit to refuse", target)
	}
	var pe *exitdial.ProxyError
	if !errors.As(err, &pe) {
		t.Fatalf("dial %s: got %v, want a refusal by the exit", target, err)
	}
	return pe
}

// openTunnel opens a tunnel to o that stays open until the test reads.
func openTunnel(t *testing.T, d *exitdial.Dialer, o *origin) io.ReadCloser {
	t.Helper()
	c, err := d.DialContext(context.Background(), "tcp", o.Addr())
	if err != nil {
		t.Fatalf("open a tunnel: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	return c
}
