package node_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/metering/meter"
)

// market is a real broker on a SQLite file in the test's directory, served
// on a loopback HTTP server that counts the requests nodes make and can be
// told to refuse receipt uploads and heartbeats.
type market struct {
	t     *testing.T
	url   string
	admin *client.Client

	receiptPosts   atomic.Int64
	heartbeats     atomic.Int64
	refuseReceipts atomic.Bool
	refuseBeats    atomic.Bool
}

func newMarket(t *testing.T) *market {
	t.Helper()
	log := zaptest.NewLogger(t).Named("broker")
	st, err := sqlite.Open(context.Background(), sqlite.Config{Path: filepath.Join(t.TempDir(), "broker.db")}, log)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := broker.New(broker.Config{}, st, log)
	if err != nil {
		t.Fatalf("new broker: %v", err)
	}
	m := &market{t: t}
	srv := httptest.NewServer(m.observe(b.Handler()))
	t.Cleanup(srv.Close)
	m.url = srv.URL
	key, created, err := b.EnsureAdmin(context.Background(), "root")
	if err != nil || !created {
		t.Fatalf("EnsureAdmin: got created %v, err %v; want a new key", created, err)
	}
	m.admin = client.New(m.url, key)
	return m
}

// observe counts node requests on their way to the broker.
func (m *market) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/receipts":
			m.receiptPosts.Add(1)
			if m.refuseReceipts.Load() {
				http.Error(w, "receipts refused by the test", http.StatusServiceUnavailable)
				return
			}
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/heartbeat"):
			m.heartbeats.Add(1)
			if m.refuseBeats.Load() {
				http.Error(w, "heartbeats refused by the test", http.StatusBadRequest)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// account creates an account of kind and returns it with a new API key.
func (m *market) account(kind, name string) (api.Account, string) {
	m.t.Helper()
	ctx := context.Background()
	a, err := m.admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: name})
	if err != nil {
		m.t.Fatalf("create %s account: %v", kind, err)
	}
	k, err := m.admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		m.t.Fatalf("create key for %s: %v", a.ID, err)
	}
	return *a, k.Key
}

// operator returns a client authenticated as a new operator. Receipts are
// never retried by the SDK, so the default retries do not hide failures.
func (m *market) operator() *client.Client {
	m.t.Helper()
	_, key := m.account(api.KindOperator, "Test Operator")
	return client.New(m.url, key, client.WithRetry(2, 10*time.Millisecond))
}

// buyer returns a client for a new buyer holding 10 units.
func (m *market) buyer() *client.Client {
	m.t.Helper()
	a, key := m.account(api.KindBuyer, "Test Buyer")
	if _, err := m.admin.Credit(context.Background(), "fund-"+a.ID, a.ID, 10_000_000); err != nil {
		m.t.Fatalf("credit buyer: %v", err)
	}
	return client.New(m.url, key)
}

// listed returns the node as GET /v1/nodes shows it to c.
func (m *market) listed(c *client.Client, id string) (api.Node, bool) {
	m.t.Helper()
	list, err := c.Nodes(context.Background(), client.NodeQuery{})
	if err != nil {
		m.t.Fatalf("list nodes: %v", err)
	}
	for _, n := range list.Nodes {
		if n.ID == id {
			return n, true
		}
	}
	return api.Node{}, false
}

// origin is a TCP destination on loopback: on every connection it reads
// until the buyer half-closes, then answers with down bytes and closes.
type origin struct {
	ln   net.Listener
	down int
	read atomic.Int64 // bytes received, over all connections
	wg   sync.WaitGroup
}

func newOrigin(t *testing.T, down int) *origin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("origin listen: %v", err)
	}
	o := &origin{ln: ln, down: down}
	o.wg.Add(1)
	go o.serve()
	t.Cleanup(func() { ln.Close(); o.wg.Wait() })
	return o
}

func (o *origin) addr() string { return o.ln.Addr().String() }

func (o *origin) serve() {
	defer o.wg.Done()
	for {
		c, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(30 * time.Second))
			n, _ := io.Copy(io.Discard, c)
			o.read.Add(n)
			_, _ = c.Write(payload(o.down))
		}()
	}
}

// payload returns n bytes of a fixed pattern.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + 1)
	}
	return b
}

// buyLease buys a one-exit QUIC lease in country and returns it.
func buyLease(t *testing.T, buyer *client.Client, country string) *api.Lease {
	t.Helper()
	l, err := buyer.CreateLease(context.Background(), "lease-"+t.Name(), api.LeaseRequest{
		Coverage:  api.Coverage{Country: country},
		Protocols: []string{api.ProtocolQUIC},
		Exits:     1,
		MaxBytes:  256 << 20,
	})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	return l
}

// exitDialer returns a dialer for the lease's only exit.
func exitDialer(t *testing.T, l *api.Lease) *exitdial.Dialer {
	t.Helper()
	exits, err := exitdial.FromLease(l)
	if err != nil || len(exits) != 1 {
		t.Fatalf("lease exits: got %d, err %v; want one", len(exits), err)
	}
	d := exitdial.New(exits[0], zaptest.NewLogger(t).Named("buyer"))
	t.Cleanup(func() { d.Close() })
	return d
}

// exchange sends up bytes to o through d, half-closes, and checks that
// o's whole answer comes back.
func exchange(t *testing.T, d *exitdial.Dialer, o *origin, up int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", o.addr())
	if err != nil {
		t.Fatalf("dial origin through exit: %v", err)
	}
	defer c.Close()
	if _, err := c.Write(payload(up)); err != nil {
		t.Fatalf("write through exit: %v", err)
	}
	if err := c.(*exitdial.Conn).CloseWrite(); err != nil {
		t.Fatalf("close write: %v", err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read through exit: %v", err)
	}
	if len(got) != o.down {
		t.Fatalf("answer through exit: got %d bytes, want %d", len(got), o.down)
	}
}

// waitTotals waits until m counts want for lease id: the exit counts a
// chunk just after relaying it, so the buyer may see it first.
func waitTotals(t *testing.T, m *meter.Meter, id string, want meter.Totals) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for m.Lease(id).Totals() != want {
		if time.Now().After(deadline) {
			t.Fatalf("exit meter for %s: got %+v, want %+v", id, m.Lease(id).Totals(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitFor polls cond until it holds or 10s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
