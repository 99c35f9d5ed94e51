package client_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/apitest"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/client"
)

// fault is what the network does to one request on its way to the broker.
type fault int

const (
	pass        fault = iota // deliver normally
	unavailable              // answer 503 problem without reaching the broker
	lostReply                // deliver, then lose the broker's answer: 502 text
	dropped                  // close the connection without an answer
	limited                  // answer 429 with Retry-After: 1 without reaching the broker
	inProgress               // answer 409 idempotency_in_progress with Retry-After: 1
)

// flaky sits between the SDK and a real broker and applies a planned
// fault to each request in turn, counting what it saw.
type flaky struct {
	next http.Handler

	mu     sync.Mutex
	plan   []fault
	counts map[string]int // requests by "METHOD path"
	agents []string
	keys   []string // Idempotency-Key of every request, "" for none
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.counts[r.Method+" "+r.URL.Path]++
	f.agents = append(f.agents, r.UserAgent())
	f.keys = append(f.keys, r.Header.Get(api.HeaderIdempotencyKey))
	next := pass
	if len(f.plan) > 0 {
		next, f.plan = f.plan[0], f.plan[1:]
	}
	f.mu.Unlock()
	switch next {
	case unavailable:
		w.Header().Set("Content-Type", api.ProblemContentType)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte(`{"type":"x","title":"Service Unavailable","status":503,"code":"internal"}`))
	case lostReply:
		f.next.ServeHTTP(httptest.NewRecorder(), r)
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("upstream went away"))
	case limited:
		refuse(w, http.StatusTooManyRequests, api.CodeRateLimited)
	case inProgress:
		refuse(w, http.StatusConflict, api.CodeIdempotencyInProgress)
	case dropped:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	default:
		f.next.ServeHTTP(w, r)
	}
}

// refuse answers a problem with Retry-After: 1, as the broker does.
func refuse(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", api.ProblemContentType)
	w.Header().Set(api.HeaderRetryAfter, "1")
	w.Header().Set(api.HeaderRequestID, "req_flaky")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(api.Problem{Type: api.ProblemTypePrefix + code, Title: http.StatusText(status),
		Status: status, Code: code, RequestID: "req_flaky"})
}

// faults sets the plan for the next requests and resets the counts.
func (f *flaky) faults(plan ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.plan = plan
	f.counts = map[string]int{}
	f.agents = nil
	f.keys = nil
}

// idemKeys returns the Idempotency-Key of every request since faults.
func (f *flaky) idemKeys() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.keys...)
}

func (f *flaky) userAgents() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.agents...)
}

func (f *flaky) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.counts[key]
}

// env is a real broker on SQLite behind a flaky loopback server.
type env struct {
	ctx   context.Context
	net   *flaky
	url   string
	admin *client.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	log := zaptest.NewLogger(t)
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(t.TempDir(), "broker.db")}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	b, err := broker.New(broker.Config{}, st, log)
	if err != nil {
		t.Fatal(err)
	}
	// The broker's own answers are checked against the OpenAPI document
	// before the flaky network gets to them, so that faults injected here
	// are not mistaken for the broker breaking its contract.
	e := &env{ctx: ctx, net: &flaky{next: apitest.Handler(t, b.Handler()), counts: map[string]int{}}}
	srv := httptest.NewServer(e.net)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	key, _, err := b.EnsureAdmin(ctx, "root")
	if err != nil {
		t.Fatal(err)
	}
	e.admin = e.client(key)
	return e
}

func (e *env) client(key string, opts ...client.Option) *client.Client {
	return client.New(e.url, key, append([]client.Option{client.WithRetry(3, time.Millisecond)}, opts...)...)
}

// buyer makes a funded buyer and returns its account and client.
func (e *env) buyer(t *testing.T, micros int64) (api.Account, *client.Client) {
	t.Helper()
	a, err := e.admin.CreateAccount(e.ctx, api.CreateAccountRequest{Kind: api.KindBuyer, Name: "buyer"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := e.admin.CreateKey(e.ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Credit(e.ctx, "fund-"+a.ID, a.ID, micros); err != nil {
		t.Fatal(err)
	}
	return *a, e.client(k.Key)
}
