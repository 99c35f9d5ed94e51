package client_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
)

// exit registers an operator with one online node and returns the node.
func (e *env) exit(t *testing.T) api.Node {
	t.Helper()
	a, err := e.admin.CreateAccount(e.ctx, api.CreateAccountRequest{Kind: api.KindOperator, Name: "op"})
	if err != nil {
		t.Fatal(err)
	}
	k, err := e.admin.CreateKey(e.ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		t.Fatal(err)
	}
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.client(k.Key).RegisterNode(e.ctx, key.Private, api.RegisterNodeRequest{
		Region: api.Region{Country: "IT"}, ASN: 3269, ConnectionType: api.ConnMobile,
		Protocols: []string{api.ProtocolQUIC}, QUICAddr: "127.0.0.1:4433",
		PriceMicrosPerGB: 1_000_000, CapacityBps: 1 << 20,
	})
	if err != nil {
		t.Fatalf("register node: %v", err)
	}
	if n.ID != key.NodeID() || n.OperatorID != a.ID {
		t.Fatalf("got node %s of %s, want %s of %s", n.ID, n.OperatorID, key.NodeID(), a.ID)
	}
	return *n
}

func TestRetries(t *testing.T) {
	e := newEnv(t)
	e.exit(t)
	_, buyer := e.buyer(t, 1e9)
	lease := api.LeaseRequest{MaxBytes: 1e9}
	spare, err := buyer.CreateKey(e.ctx, api.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		plan      []fault
		call      func() error
		route     string
		wantTries int
		wantCode  int // 0: success
	}{
		{"GET after 503s", []fault{unavailable, unavailable}, func() error { _, err := buyer.Balance(e.ctx); return err },
			"GET /v1/balance", 3, 0},
		{"GET after a dropped connection", []fault{dropped}, func() error { _, err := buyer.Balance(e.ctx); return err },
			"GET /v1/balance", 2, 0},
		{"GET gives up", []fault{unavailable, unavailable, unavailable, unavailable}, func() error { _, err := buyer.Balance(e.ctx); return err },
			"GET /v1/balance", 3, http.StatusServiceUnavailable},
		{"POST with key after lost reply", []fault{lostReply}, func() error { _, err := buyer.CreateLease(e.ctx, "lease-1", lease); return err },
			"POST /v1/leases", 2, 0},
		{"POST without key gets one and retries", []fault{lostReply}, func() error { _, err := buyer.CreateLease(e.ctx, "", lease); return err },
			"POST /v1/leases", 2, 0},
		{"DELETE after lost reply", []fault{lostReply}, func() error { return buyer.RevokeKey(e.ctx, spare.ID) },
			"DELETE /v1/keys/" + spare.ID, 2, 0},
		{"quote is retried without key", []fault{unavailable}, func() error { _, err := buyer.Quote(e.ctx, lease); return err },
			"POST /v1/coverage/quote", 2, 0},
		{"4xx is not retried", nil, func() error { _, err := buyer.Lease(e.ctx, "ls_missing"); return err },
			"GET /v1/leases/ls_missing", 1, http.StatusNotFound},
		{"POST without key after 429", []fault{limited}, func() error { _, err := buyer.CreateKey(e.ctx, api.CreateKeyRequest{}); return err },
			"POST /v1/keys", 2, 0},
		{"POST with key while the first runs", []fault{inProgress}, func() error { _, err := buyer.CreateLease(e.ctx, "lease-1", lease); return err },
			"POST /v1/leases", 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.net.faults(tt.plan...)
			err := tt.call()
			if got := e.net.count(tt.route); got != tt.wantTries {
				t.Errorf("got %d tries, want %d", got, tt.wantTries)
			}
			var ce *client.Error
			switch {
			case tt.wantCode == 0 && err != nil:
				t.Errorf("got error %v, want success", err)
			case tt.wantCode != 0 && (!errors.As(err, &ce) || ce.Status != tt.wantCode):
				t.Errorf("got error %v, want status %d", err, tt.wantCode)
			}
		})
	}
	leases, err := buyer.Leases(e.ctx, client.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(leases.Leases) != 2 {
		t.Errorf("got %d leases, want 2: each of the two logical calls buys once however often it is retried", len(leases.Leases))
	}
}

func TestCreditRetryCreditsOnce(t *testing.T) {
	e := newEnv(t)
	a, buyer := e.buyer(t, 1)
	e.net.faults(lostReply, unavailable)
	c, err := e.admin.Credit(e.ctx, "once", a.ID, 500)
	if err != nil {
		t.Fatalf("credit through a lost reply: %v", err)
	}
	if got := e.net.count("POST /v1/admin/credits"); got != 3 {
		t.Errorf("got %d tries, want 3", got)
	}
	bal, err := buyer.Balance(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bal.AvailableMicros != 501 || c.AmountMicros != 500 {
		t.Errorf("got available %d, want 501 (credited once)", bal.AvailableMicros)
	}
}

func TestErrors(t *testing.T) {
	e := newEnv(t)
	_, buyer := e.buyer(t, 1)
	_, err := buyer.CheckLedger(e.ctx)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusForbidden || ce.Code != api.CodeForbidden || ce.Title != "Forbidden" || ce.Detail == "" {
		t.Fatalf("got %#v, want a 403 forbidden problem with a detail", err)
	}
	if !strings.HasPrefix(ce.RequestID, "req_") || !strings.Contains(ce.Error(), ce.RequestID) {
		t.Errorf("got request ID %q in %q, want the broker's, quoted in the message", ce.RequestID, ce.Error())
	}
	if !client.IsCode(err, api.CodeForbidden) || client.IsCode(err, api.CodeNotFound) {
		t.Errorf("IsCode disagrees with code %s", ce.Code)
	}
	e.net.faults(lostReply, lostReply, lostReply)
	_, err = buyer.Balance(e.ctx)
	if !errors.As(err, &ce) || ce.Code != "" || ce.Detail != "upstream went away" {
		t.Errorf("got %#v, want a codeless 502 carrying the body text", err)
	}
	if err := buyer.RevokeKey(e.ctx, ""); err == nil {
		t.Errorf("revoking an empty ID succeeded")
	}
	if _, err := buyer.RegisterNode(e.ctx, ed25519.PrivateKey{1, 2, 3}, api.RegisterNodeRequest{}); err == nil {
		t.Errorf("registering with a short key succeeded")
	}
}

func TestBackoffHonoursContext(t *testing.T) {
	e := newEnv(t)
	_, buyer := e.buyer(t, 1)
	slow := client.New(e.url, "", client.WithRetry(5, time.Hour))
	e.net.faults(unavailable, unavailable)
	ctx, cancel := context.WithTimeout(e.ctx, 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := slow.BrokerKeys(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("got %v, want the context's deadline", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("gave up after %s, want about 50ms", took)
	}
	if _, err := buyer.Balance(e.ctx); err != nil {
		t.Errorf("broker unusable afterwards: %v", err)
	}
}

func TestOptions(t *testing.T) {
	e := newEnv(t)
	var used int
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		used++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c := client.New(e.url+"/", "", client.WithHTTPClient(hc), client.WithUserAgent("probe/2"))
	e.net.faults()
	if err := c.Health(e.ctx); err != nil {
		t.Fatal(err)
	}
	if agents := e.net.userAgents(); used != 1 || len(agents) != 1 || agents[0] != "probe/2" {
		t.Errorf("got %d requests through the custom client, agents %q; want 1, probe/2", used, agents)
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
