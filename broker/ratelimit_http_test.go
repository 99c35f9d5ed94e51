package broker_test

import (
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

func TestRateLimitPerKey(t *testing.T) {
	const burst = 5
	m := newMarketWith(t, setup{config: func(c *broker.Config) { c.RateLimit, c.RateBurst = 0.01, burst }})
	_, keyA, a := m.account(api.KindBuyer, "chatty")
	_, keyB, _ := m.account(api.KindBuyer, "quiet")
	for i := 0; i < burst; i++ {
		if resp := m.raw(http.MethodGet, "/v1/balance", keyA, nil, nil); resp.status != http.StatusOK {
			t.Fatalf("request %d within the burst: got %d %s", i, resp.status, resp.body)
		}
	}
	over := m.raw(http.MethodGet, "/v1/balance", keyA, nil, nil)
	if over.status != http.StatusTooManyRequests {
		t.Fatalf("request past the burst: got %d %s, want 429", over.status, over.body)
	}
	if p := over.problem(t); p.Code != api.CodeRateLimited {
		t.Errorf("got code %s, want %s", p.Code, api.CodeRateLimited)
	}
	if secs, err := strconv.Atoi(over.header.Get(api.HeaderRetryAfter)); err != nil || secs != 100 {
		t.Errorf("got Retry-After %q, want 100 (one token at 0.01/s)", over.header.Get(api.HeaderRetryAfter))
	}
	if resp := m.raw(http.MethodGet, "/v1/balance", keyB, nil, nil); resp.status != http.StatusOK {
		t.Errorf("another key: got %d, want 200: buckets are per key", resp.status)
	}
	// The SDK does not sit out a Retry-After this long: it hands it back.
	_, err := a.Balance(m.ctx)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusTooManyRequests || ce.RetryAfter != 100*time.Second || ce.RequestID == "" {
		t.Errorf("got %#v, want a 429 with RetryAfter 100s and a request ID", err)
	}
}

func TestRequestIDs(t *testing.T) {
	m := newMarket(t)
	_, key, _ := m.account(api.KindBuyer, "named")
	seen := map[string]bool{}
	for _, tt := range []struct {
		name, method, path, key string
		status                  int
	}{
		{"success", http.MethodGet, "/v1/balance", key, http.StatusOK},
		{"public", http.MethodGet, "/healthz", "", http.StatusOK},
		{"refused", http.MethodGet, "/v1/balance", "", http.StatusUnauthorized},
		{"unknown route", http.MethodGet, "/v1/nothing", key, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := m.raw(tt.method, tt.path, tt.key, nil, nil)
			id := resp.header.Get(api.HeaderRequestID)
			if resp.status != tt.status || id == "" || seen[id] {
				t.Fatalf("got %d with request ID %q, want %d and a fresh ID", resp.status, id, tt.status)
			}
			seen[id] = true
			if resp.status >= 400 {
				if p := resp.problem(t); p.RequestID != id {
					t.Errorf("got problem request_id %q, want the header's %q", p.RequestID, id)
				}
			}
		})
	}
}
