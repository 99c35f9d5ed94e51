package broker_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/sparelink/sparelink/broker/api"
)

func TestStrictBodies(t *testing.T) {
	m := newMarket(t)
	_, buyerKey, _ := m.account(api.KindBuyer, "strict")
	admin := m.adminKey(t)
	huge := append([]byte(`{"name":"`), bytes.Repeat([]byte("a"), 1<<20)...)
	huge = append(huge, `","kind":"buyer"}`...)
	tests := []struct {
		name   string
		path   string
		key    string
		body   string
		status int
	}{
		{"unknown field", "/v1/accounts", admin, `{"kind":"buyer","name":"x","admin":true}`, http.StatusBadRequest},
		{"trailing data", "/v1/accounts", admin, `{"kind":"buyer","name":"x"} {}`, http.StatusBadRequest},
		{"not JSON", "/v1/accounts", admin, `kind=buyer`, http.StatusBadRequest},
		{"wrong type", "/v1/accounts", admin, `{"kind":1,"name":"x"}`, http.StatusBadRequest},
		{"admin kind", "/v1/accounts", admin, `{"kind":"admin","name":"x"}`, http.StatusBadRequest},
		{"body over 1 MiB", "/v1/accounts", admin, string(huge), http.StatusRequestEntityTooLarge},
		{"unknown lease field", "/v1/coverage/quote", buyerKey, `{"max_bytes":1,"price":0}`, http.StatusBadRequest},
		{"unknown coverage field", "/v1/coverage/quote", buyerKey, `{"max_bytes":1,"coverage":{"planet":"earth"}}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := m.raw(http.MethodPost, tt.path, tt.key, []byte(tt.body), nil)
			if resp.status != tt.status {
				t.Fatalf("got status %d (%s), want %d", resp.status, resp.body, tt.status)
			}
			p := resp.problem(t)
			if p.Code != api.CodeInvalidRequest || p.Status != tt.status || p.Type != api.ProblemTypePrefix+p.Code || p.Title == "" {
				t.Errorf("got problem %+v, want invalid_request with status %d", p, tt.status)
			}
		})
	}
}

// adminKey makes a second admin key and returns it, for raw requests.
func (m *market) adminKey(t *testing.T) string {
	t.Helper()
	k, err := m.admin.CreateKey(m.ctx, api.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if k.Scope != api.KindAdmin {
		t.Fatalf("got scope %s for the admin's own key, want admin", k.Scope)
	}
	return k.Key
}

func TestPublicEndpoints(t *testing.T) {
	m := newMarket(t)
	tests := []struct {
		name        string
		method      string
		path        string
		status      int
		contentType string
	}{
		{"health", http.MethodGet, "/healthz", http.StatusOK, "application/json"},
		{"broker keys", http.MethodGet, "/v1/broker/keys", http.StatusOK, "application/json"},
		{"openapi document", http.MethodGet, "/v1/openapi.json", http.StatusOK, "application/json"},
		{"unknown route", http.MethodGet, "/v1/nothing", http.StatusNotFound, api.ProblemContentType},
		{"private without key", http.MethodGet, "/v1/balance", http.StatusUnauthorized, api.ProblemContentType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := m.raw(tt.method, tt.path, "", nil, nil)
			if resp.status != tt.status || resp.contentType != tt.contentType {
				t.Errorf("got %d %s, want %d %s", resp.status, resp.contentType, tt.status, tt.contentType)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, buyer := m.buyer("metered", 1e9)
	if _, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 1e9}); err != nil {
		t.Fatal(err)
	}
	resp := m.raw(http.MethodGet, "/metrics", "", nil, nil)
	if resp.status != http.StatusOK {
		t.Fatalf("got status %d for /metrics", resp.status)
	}
	for _, want := range []string{
		`sparelink_broker_requests_total{code="201",route="POST /v1/leases"} 1`,
		`sparelink_broker_requests_total{code="201",route="POST /v1/nodes"} 4`,
		`sparelink_broker_request_duration_seconds_count{route="POST /v1/accounts"}`,
		"sparelink_broker_leases_created_total 1",
		"sparelink_broker_online_nodes 4",
		"sparelink_broker_settled_micros_total 0",
	} {
		if !strings.Contains(string(resp.body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestRequestLogs(t *testing.T) {
	core, logs := observer.New(zapcore.InfoLevel)
	m := newMarketLogged(t, zap.New(core))
	_, key, c := m.account(api.KindBuyer, "logged")
	if _, err := c.Balance(m.ctx); err != nil {
		t.Fatal(err)
	}
	m.raw(http.MethodGet, "/v1/balance", key+"x", nil, nil)
	requests := logs.FilterMessage("request").All()
	if len(requests) != 4 {
		t.Errorf("got %d request lines, want 4 (account, key, balance, refused balance)", len(requests))
	}
	secret := strings.SplitN(key, "_", 4)[3]
	for _, e := range logs.All() {
		line := fmt.Sprint(e.Message, e.ContextMap())
		if strings.Contains(line, secret) || strings.Contains(line, "sl_buyer_") {
			t.Errorf("log line carries a key: %s", line)
		}
	}
	for _, e := range requests {
		f := e.ContextMap()
		for _, name := range []string{"request_id", "method", "route", "status", "duration"} {
			if _, ok := f[name]; !ok {
				t.Errorf("request line %v lacks %s", f, name)
			}
		}
	}
	last := requests[len(requests)-1].ContextMap()
	if last["route"] != "GET /v1/balance" || last["status"] != int64(401) || last["code"] != api.CodeUnauthorized {
		t.Errorf("got last line %v, want the refused balance read", last)
	}
}
