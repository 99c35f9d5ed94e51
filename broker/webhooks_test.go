package broker_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/client"
)

// insecureHooks lets webhooks reach the test's loopback receivers.
func insecureHooks(c *broker.Config) { c.WebhookInsecure = true }

func TestWebhookCRUD(t *testing.T) {
	m := newMarketWith(t, setup{config: insecureHooks})
	_, key, c := m.account(api.KindBuyer, "subscriber")
	_, _, other := m.account(api.KindBuyer, "other")
	wh, err := c.CreateWebhook(m.ctx, "", api.CreateWebhookRequest{URL: "http://127.0.0.1:9/hook",
		Events: []string{api.EventLowBalance, api.EventLowBalance, api.EventUsageThreshold}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(wh.Secret, "whsec_") || len(wh.Events) != 2 {
		t.Errorf("got %+v, want a whsec_ secret and two distinct events", wh)
	}
	got, err := c.Webhook(m.ctx, wh.ID)
	if err != nil || got.Secret != "" || got.URL != wh.URL {
		t.Errorf("read back: got %+v, %v; want it without its secret", got, err)
	}
	list, err := c.Webhooks(m.ctx, client.Page{})
	if err != nil || len(list.Webhooks) != 1 || list.Webhooks[0].Secret != "" || list.HasMore {
		t.Errorf("list: got %+v, %v; want the one webhook without its secret", list, err)
	}
	_, err = other.Webhook(m.ctx, wh.ID)
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)
	wantProblem(t, other.DeleteWebhook(m.ctx, wh.ID), http.StatusNotFound, api.CodeNotFound)
	if err := c.DeleteWebhook(m.ctx, wh.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Webhook(m.ctx, wh.ID)
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)
	for i := 0; i < 16; i++ {
		if _, err := c.CreateWebhook(m.ctx, "", api.CreateWebhookRequest{URL: "http://127.0.0.1:9/", Events: []string{api.EventLowBalance}}); err != nil {
			t.Fatal(err)
		}
	}
	resp := m.rawJSON(http.MethodPost, "/v1/webhooks", key, api.CreateWebhookRequest{URL: "http://127.0.0.1:9/", Events: []string{api.EventLowBalance}})
	if resp.status != http.StatusConflict {
		t.Errorf("17th webhook: got %d %s, want 409", resp.status, resp.body)
	}
}

// lowBalanceMarket is a market where a buyer with webhooks at hooks takes
// a lease whose hold (one unit) takes its balance below the default
// low-balance threshold of one unit.
func lowBalanceMarket(t *testing.T, cfg func(*broker.Config), hooks ...*receiver) (*market, []string, *api.Lease) {
	m := newMarketWith(t, setup{config: func(c *broker.Config) { insecureHooks(c); cfg(c) }})
	_, _, op := m.account(api.KindOperator, "op")
	m.node(op, listing("NO", 100, 1_000_000))
	_, buyer := m.buyer("spender", 1_500_000)
	var secrets []string
	for _, h := range hooks {
		secrets = append(secrets, h.subscribe(m, buyer, api.EventLowBalance, api.EventUsageThreshold))
	}
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "NO"}, MaxBytes: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	return m, secrets, l
}

// deliver runs one delivery pass and checks how many it sent.
func (m *market) deliver(want int) {
	m.t.Helper()
	n, err := m.broker.DeliverDue(m.ctx)
	if err != nil || n != want {
		m.t.Fatalf("DeliverDue: got %d, %v; want %d", n, err, want)
	}
}

func TestWebhookDeliveryRetriesAndSigns(t *testing.T) {
	flaky, steady := newReceiver(t, http.StatusInternalServerError), newReceiver(t)
	m, secrets, _ := lowBalanceMarket(t, func(*broker.Config) {}, flaky, steady)
	sent := m.clock.Now()
	m.deliver(2)
	m.deliver(0) // the failed one waits for its backoff
	m.clock.Advance(broker.DefaultWebhookBackoff)
	resent := m.clock.Now()
	m.deliver(1)
	m.clock.Advance(time.Hour)
	m.deliver(0)
	first, retried, other := flaky.deliveries()[0], flaky.deliveries()[1], steady.deliveries()[0]
	if len(flaky.deliveries()) != 2 || len(steady.deliveries()) != 1 {
		t.Fatalf("got %d and %d deliveries, want 2 (a 500, then its retry) and 1", len(flaky.deliveries()), len(steady.deliveries()))
	}
	e := first.event
	if e.Type != api.EventLowBalance || first.header.Get(api.HeaderWebhookEventID) != e.ID || !strings.HasPrefix(e.ID, "evt_") {
		t.Errorf("got event %+v with id header %q, want a low_balance event named in its header", e, first.header.Get(api.HeaderWebhookEventID))
	}
	if retried.event.ID != e.ID || string(retried.body) != string(first.body) || other.event.ID != e.ID {
		t.Errorf("got event IDs %s, %s, %s; want one ID on the retry and at both webhooks", e.ID, retried.event.ID, other.event.ID)
	}
	checkSignature(t, secrets[0], first, sent)
	checkSignature(t, secrets[0], retried, resent)
	checkSignature(t, secrets[1], other, sent)
	ds, err := m.store.Deliveries(m.ctx, e.ID)
	if err != nil || len(ds) != 2 {
		t.Fatalf("Deliveries(%s): got %+v, %v", e.ID, ds, err)
	}
	for _, d := range ds {
		if d.State != store.DeliveryDelivered {
			t.Errorf("delivery %d: got %s after %d attempts, want delivered", d.ID, d.State, d.Attempts)
		}
	}
}

func TestWebhookGivesUp(t *testing.T) {
	down := newReceiver(t, 500, 500, 500, 500)
	m, _, _ := lowBalanceMarket(t, func(c *broker.Config) { c.WebhookMaxAttempts = 3 }, down)
	for i, wait := range []time.Duration{0, 10 * time.Second, 20 * time.Second} {
		m.clock.Advance(wait)
		m.deliver(1)
		if got := len(down.deliveries()); got != i+1 {
			t.Fatalf("after attempt %d the receiver got %d deliveries", i+1, got)
		}
	}
	m.clock.Advance(24 * time.Hour)
	m.deliver(0)
	ds, err := m.store.Deliveries(m.ctx, down.deliveries()[0].event.ID)
	if err != nil || len(ds) != 1 || ds[0].State != store.DeliveryFailed || ds[0].Attempts != 3 {
		t.Errorf("got %+v, %v; want one delivery failed after 3 attempts", ds, err)
	}
}

func TestDeliverWebhooksLoop(t *testing.T) {
	r := newReceiver(t)
	m, _, _ := lowBalanceMarket(t, func(c *broker.Config) { c.WebhookPoll = 5 * time.Millisecond }, r)
	ctx, cancel := context.WithCancel(m.ctx)
	done := make(chan error, 1)
	go func() { done <- m.broker.DeliverWebhooks(ctx) }()
	deadline := time.Now().Add(10 * time.Second)
	for len(r.deliveries()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("DeliverWebhooks returned %v, want nil after cancel", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("DeliverWebhooks did not stop after cancel")
	}
	if got := len(r.deliveries()); got != 1 {
		t.Errorf("got %d deliveries, want 1", got)
	}
}
