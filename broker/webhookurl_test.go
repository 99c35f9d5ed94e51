package broker_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

func TestWebhookRefusals(t *testing.T) {
	m := newMarket(t) // webhooks must be public https
	_, key, _ := m.account(api.KindBuyer, "refused")
	tests := []struct {
		name   string
		req    api.CreateWebhookRequest
		status int
	}{
		{"public https", api.CreateWebhookRequest{URL: "https://hooks.example.com/sparelink", Events: []string{api.EventLowBalance}}, http.StatusCreated},
		{"http", api.CreateWebhookRequest{URL: "http://hooks.example.com/", Events: []string{api.EventLowBalance}}, http.StatusBadRequest},
		{"loopback", api.CreateWebhookRequest{URL: "https://127.0.0.1/", Events: []string{api.EventLowBalance}}, http.StatusBadRequest},
		{"private", api.CreateWebhookRequest{URL: "https://[fd00::1]/", Events: []string{api.EventLowBalance}}, http.StatusBadRequest},
		{"credentials", api.CreateWebhookRequest{URL: "https://u:p@hooks.example.com/", Events: []string{api.EventLowBalance}}, http.StatusBadRequest},
		{"relative", api.CreateWebhookRequest{URL: "/hook", Events: []string{api.EventLowBalance}}, http.StatusBadRequest},
		{"no events", api.CreateWebhookRequest{URL: "https://hooks.example.com/"}, http.StatusBadRequest},
		{"unknown event", api.CreateWebhookRequest{URL: "https://hooks.example.com/", Events: []string{"meteor_strike"}}, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if resp := m.rawJSON(http.MethodPost, "/v1/webhooks", key, tt.req); resp.status != tt.status {
				t.Errorf("got %d %s, want %d", resp.status, resp.body, tt.status)
			}
		})
	}
}

// TestWebhookRefusesInsideAddresses names a receiver on loopback by a
// host name, which creation cannot check: delivery refuses the address
// the name resolves to.
func TestWebhookRefusesInsideAddresses(t *testing.T) {
	r := newReceiver(t)
	m := newMarket(t) // no WebhookInsecure
	_, _, op := m.account(api.KindOperator, "op")
	m.node(op, listing("NO", 100, 1_000_000))
	_, buyer := m.buyer("spender", 1_500_000)
	port := r.srv.URL[strings.LastIndex(r.srv.URL, ":"):]
	if _, err := buyer.CreateWebhook(m.ctx, "", api.CreateWebhookRequest{URL: "https://localhost" + port + "/", Events: []string{api.EventLowBalance}}); err != nil {
		t.Fatal(err)
	}
	if _, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "NO"}, MaxBytes: 1e9}); err != nil {
		t.Fatal(err)
	}
	m.deliver(1)
	if got := len(r.deliveries()); got != 0 {
		t.Fatalf("the loopback receiver got %d deliveries, want none", got)
	}
	m.clock.Advance(time.Hour)
	ds, err := m.store.ClaimDeliveries(m.ctx, m.clock.Now(), m.clock.Now(), 10)
	if err != nil || len(ds) != 1 || !strings.Contains(ds[0].LastError, "not a public address") || ds[0].Attempts != 1 {
		t.Errorf("got %+v, %v; want one pending delivery refused for its address", ds, err)
	}
}
