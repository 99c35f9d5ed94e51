// Package nodetest is the test harness of the packages that run exit nodes
// (internal/node, agent, relay/relayd): a real broker on a SQLite file
// served on loopback, accounts and leases made through the SDK, a TCP
// origin, and helpers that move bytes through an exit and wait for the
// meters. It is for tests only.
package nodetest

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

// Market is a real broker on a SQLite file in the test's directory, served
// on a loopback HTTP server that counts the requests nodes make.
type Market struct {
	t     *testing.T
	URL   string
	Admin *client.Client

	// ReceiptPosts and Heartbeats count the nodes' requests.
	ReceiptPosts atomic.Int64
	Heartbeats   atomic.Int64
	// RefuseReceipts and RefuseBeats make the broker's front refuse
	// receipt uploads (503) and heartbeats (400) while set; RefuseBeats
	// also refuses control-channel polls (503) and cuts short those in
	// flight, so that nothing reaches the node but what the test allows.
	RefuseReceipts atomic.Bool
	RefuseBeats    atomic.Bool
}

// NewMarket starts the broker; it stops when the test ends.
func NewMarket(t *testing.T) *Market {
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
	m := &Market{t: t}
	srv := httptest.NewServer(m.observe(b.Handler()))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	key, created, err := b.EnsureAdmin(context.Background(), "root")
	if err != nil || !created {
		t.Fatalf("EnsureAdmin: got created %v, err %v; want a new key", created, err)
	}
	m.Admin = client.New(m.URL, key)
	return m
}

// observe counts node requests on their way to the broker and refuses
// them when told to.
func (m *Market) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/receipts":
			m.ReceiptPosts.Add(1)
			if m.RefuseReceipts.Load() {
				http.Error(w, "receipts refused by the test", http.StatusServiceUnavailable)
				return
			}
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/heartbeat"):
			m.Heartbeats.Add(1)
			if m.RefuseBeats.Load() {
				http.Error(w, "heartbeats refused by the test", http.StatusBadRequest)
				return
			}
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/commands"):
			if m.RefuseBeats.Load() {
				http.Error(w, "control channel refused by the test", http.StatusServiceUnavailable)
				return
			}
			ctx, cancel := context.WithCancel(r.Context())
			defer cancel()
			go m.cutWhenRefused(ctx, cancel)
			r = r.WithContext(ctx)
		}
		next.ServeHTTP(w, r)
	})
}

// cutWhenRefused cancels a control-channel poll once RefuseBeats is set.
func (m *Market) cutWhenRefused(ctx context.Context, cancel func()) {
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if m.RefuseBeats.Load() {
				cancel()
				return
			}
		}
	}
}

// Account creates an account of kind and returns it with a new API key.
func (m *Market) Account(kind, name string) (api.Account, string) {
	m.t.Helper()
	ctx := context.Background()
	a, err := m.Admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: name})
	if err != nil {
		m.t.Fatalf("create %s account: %v", kind, err)
	}
	k, err := m.Admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		m.t.Fatalf("create key for %s: %v", a.ID, err)
	}
	return *a, k.Key
}

// Operator returns a new operator's API key and a client using it.
func (m *Market) Operator() (string, *client.Client) {
	m.t.Helper()
	_, key := m.Account(api.KindOperator, "Test Operator")
	return key, client.New(m.URL, key)
}

// Buyer returns a client for a new buyer holding 10 units.
func (m *Market) Buyer() *client.Client {
	m.t.Helper()
	a, key := m.Account(api.KindBuyer, "Test Buyer")
	if _, err := m.Admin.Credit(context.Background(), "fund-"+a.ID, a.ID, 10_000_000); err != nil {
		m.t.Fatalf("credit buyer: %v", err)
	}
	return client.New(m.URL, key)
}

// Listed returns the node as GET /v1/nodes shows it to c.
func (m *Market) Listed(c *client.Client, id string) (api.Node, bool) {
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

// Origin is a TCP destination on loopback: on every connection it reads
// until the buyer half-closes, then answers with down bytes and closes.
type Origin struct {
	ln   net.Listener
	Down int          // bytes sent back on every connection
	Read atomic.Int64 // bytes received, over all connections
	wg   sync.WaitGroup
}

// NewOrigin listens on 127.0.0.1; it stops when the test ends.
func NewOrigin(t *testing.T, down int) *Origin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("origin listen: %v", err)
	}
	o := &Origin{ln: ln, Down: down}
	o.wg.Add(1)
	go o.serve()
	t.Cleanup(func() { ln.Close(); o.wg.Wait() })
	return o
}

// Addr is the origin's host:port.
func (o *Origin) Addr() string { return o.ln.Addr().String() }

func (o *Origin) serve() {
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
			o.Read.Add(n)
			_, _ = c.Write(Payload(o.Down))
		}()
	}
}

// Payload returns n bytes of a fixed pattern.
func Payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + 1)
	}
	return b
}

// BuyLease buys a one-exit QUIC lease in country and returns it.
func BuyLease(t *testing.T, buyer *client.Client, country string) *api.Lease {
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

// ExitDialer returns a dialer for the lease's only exit.
func ExitDialer(t *testing.T, l *api.Lease) *exitdial.Dialer {
	t.Helper()
	exits, err := exitdial.FromLease(l)
	if err != nil || len(exits) != 1 {
		t.Fatalf("lease exits: got %d, err %v; want one", len(exits), err)
	}
	d := exitdial.New(exits[0], zaptest.NewLogger(t).Named("buyer"))
	t.Cleanup(func() { d.Close() })
	return d
}

// Exchange sends up bytes to o through d, half-closes, and checks that
// o's whole answer comes back.
func Exchange(t *testing.T, d *exitdial.Dialer, o *Origin, up int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := d.DialContext(ctx, "tcp", o.Addr())
	if err != nil {
		t.Fatalf("dial origin through exit: %v", err)
	}
	defer c.Close()
	if _, err := c.Write(Payload(up)); err != nil {
		t.Fatalf("write through exit: %v", err)
	}
	if err := c.(*exitdial.Conn).CloseWrite(); err != nil {
		t.Fatalf("close write: %v", err)
	}
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("read through exit: %v", err)
	}
	if len(got) != o.Down {
		t.Fatalf("answer through exit: got %d bytes, want %d", len(got), o.Down)
	}
}

// WaitTotals waits until m counts want for lease id: the exit counts a
// chunk just after relaying it, so the buyer may see it first.
func WaitTotals(t *testing.T, m *meter.Meter, id string, want meter.Totals) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for m.Lease(id).Totals() != want {
		if time.Now().After(deadline) {
			t.Fatalf("exit meter for %s: got %+v, want %+v", id, m.Lease(id).Totals(), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitFor polls cond until it holds or 10s pass.
func WaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
