package storetest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// outboxFixture has buyer a1 with webhooks wh1 (low_balance,
// usage_threshold) and wh2 (low_balance), and a2 with wh3 (low_balance).
func outboxFixture(t *testing.T, open Opener) *fixture {
	f := newFixture(t, open)
	f.account("a1", store.KindBuyer)
	f.account("a2", store.KindBuyer)
	for _, w := range []store.Webhook{newWebhook("wh1", "a1", "low_balance", "usage_threshold"),
		newWebhook("wh2", "a1", "low_balance"), newWebhook("wh3", "a2", "low_balance")} {
		if err := f.s.CreateWebhook(f.ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) enqueue(id, account, typ string, want int) {
	f.t.Helper()
	n, err := f.s.EnqueueEvent(f.ctx, store.Event{ID: id, AccountID: account, Type: typ, Payload: []byte(`{"id":"` + id + `"}`), CreatedAt: base})
	if err != nil || n != want {
		f.t.Fatalf("EnqueueEvent(%s, %s): got %d deliveries, %v; want %d", id, typ, n, err, want)
	}
}

func (f *fixture) claim(now time.Duration, want int) []store.Delivery {
	f.t.Helper()
	ds, err := f.s.ClaimDeliveries(f.ctx, base.Add(now), base.Add(now+time.Minute), 10)
	if err != nil || len(ds) != want {
		f.t.Fatalf("ClaimDeliveries at +%s: got %d, %v; want %d", now, len(ds), err, want)
	}
	return ds
}

func testOutbox(t *testing.T, open Opener) {
	f := outboxFixture(t, open)
	f.enqueue("evt1", "a1", "low_balance", 2)
	f.enqueue("evt2", "a1", "usage_threshold", 1)
	f.enqueue("evt3", "a1", "lease_exits_changed", 0)
	_, err := f.s.EnqueueEvent(f.ctx, store.Event{ID: "evt1", AccountID: "a1", Type: "low_balance", CreatedAt: base})
	wantErr(t, "EnqueueEvent with a used ID", err, store.ErrConflict)
	ds := f.claim(0, 3)
	for _, d := range ds {
		if d.State != store.DeliveryPending || d.URL != "https://hooks.example/"+d.WebhookID || d.Secret != "secret of "+d.WebhookID ||
			!bytes.Equal(d.Payload, []byte(`{"id":"`+d.EventID+`"}`)) || d.Attempts != 0 {
			t.Errorf("claimed %+v, want a pending first attempt with its webhook's URL and secret", d)
		}
	}
	f.claim(0, 0)                  // locked while being sent
	ds = f.claim(2*time.Minute, 3) // the lock lapsed: the sender died
	outcomes := []store.DeliveryOutcome{
		{DeliveryID: ds[0].ID, Delivered: true},
		{DeliveryID: ds[1].ID, RetryAt: base.Add(10 * time.Minute), Error: "500 Internal Server Error"},
		{DeliveryID: ds[2].ID, Error: "gave up"},
	}
	for _, o := range outcomes {
		wantErr(t, "FinishDelivery", f.s.FinishDelivery(f.ctx, o), nil)
	}
	f.claim(5*time.Minute, 0)
	retry := f.claim(10*time.Minute, 1)
	if retry[0].ID != ds[1].ID || retry[0].Attempts != 1 || retry[0].LastError != "500 Internal Server Error" {
		t.Errorf("retried %+v, want delivery %d after one attempt", retry[0], ds[1].ID)
	}
	wantErr(t, "FinishDelivery of a delivered one", f.s.FinishDelivery(f.ctx, outcomes[0]), nil)
	f.wantStates("evt1", map[string]store.DeliveryState{"wh1": store.DeliveryDelivered, "wh2": store.DeliveryPending})
	wantErr(t, "DeleteWebhook", f.s.DeleteWebhook(f.ctx, "a1", "wh2", base), nil)
	f.wantStates("evt1", map[string]store.DeliveryState{"wh1": store.DeliveryDelivered, "wh2": store.DeliveryFailed})
	f.wantStates("evt3", map[string]store.DeliveryState{})
}

// wantStates checks the state of each delivery of an event by webhook.
func (f *fixture) wantStates(event string, want map[string]store.DeliveryState) {
	f.t.Helper()
	ds, err := f.s.Deliveries(f.ctx, event)
	if err != nil || len(ds) != len(want) {
		f.t.Fatalf("Deliveries(%s): got %+v, %v; want %d", event, ds, err, len(want))
	}
	for _, d := range ds {
		if d.State != want[d.WebhookID] {
			f.t.Errorf("delivery of %s to %s: got %s, want %s", event, d.WebhookID, d.State, want[d.WebhookID])
		}
	}
}

// testConcurrentDeliveryClaims races workers claiming: every delivery is
// claimed exactly once.
func testConcurrentDeliveryClaims(t *testing.T, open Opener) {
	f := outboxFixture(t, open)
	const events = 20
	for i := 0; i < events; i++ {
		f.enqueue(id("evt", i), "a1", "low_balance", 2)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for {
				ds, err := f.s.ClaimDeliveries(f.ctx, base, base.Add(time.Hour), 3)
				if err != nil {
					t.Errorf("ClaimDeliveries: %v", err)
					return
				}
				if len(ds) == 0 {
					return
				}
				mu.Lock()
				for _, d := range ds {
					seen[d.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 2*events {
		t.Errorf("got %d deliveries claimed, want %d", len(seen), 2*events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %d claimed %d times, want once", id, n)
		}
	}
}
