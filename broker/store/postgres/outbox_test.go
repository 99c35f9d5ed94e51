package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// webhookOf stores an active webhook of account receiving typ.
func webhookOf(t *testing.T, s store.Store, id, account, typ string) {
	t.Helper()
	must(t, "CreateWebhook", s.CreateWebhook(context.Background(), store.Webhook{ID: id, AccountID: account,
		URL: "https://hooks.example/" + id, Events: []string{typ}, Secret: "secret of " + id}))
}

// TestReplicasClaimDeliveries has two stores, as two brokers, drain one
// outbox at once: every delivery must be claimed exactly once.
func TestReplicasClaimDeliveries(t *testing.T) {
	rs := replicas(t)
	ctx := context.Background()
	must(t, "account", rs[0].CreateAccount(ctx, store.Account{ID: "a1", Kind: store.KindBuyer}))
	webhookOf(t, rs[0], "wh1", "a1", "low_balance")
	webhookOf(t, rs[1], "wh2", "a1", "low_balance")
	const events = 40
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range events {
		_, err := rs[i%2].EnqueueEvent(ctx, store.Event{ID: fmt.Sprintf("evt-%03d", i), AccountID: "a1",
			Type: "low_balance", Payload: []byte("{}"), CreatedAt: at})
		must(t, "EnqueueEvent", err)
	}
	var (
		mu   sync.Mutex
		seen = map[int64]int{}
		wg   sync.WaitGroup
	)
	for w := range 6 {
		wg.Go(func() {
			for {
				ds, err := rs[w%2].ClaimDeliveries(ctx, at, at.Add(time.Hour), 5)
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
		t.Errorf("claimed %d deliveries, want %d", len(seen), 2*events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %d claimed %d times, want once", id, n)
		}
	}
}

// TestDeleteWebhookWhileEnqueueing deletes a webhook while the other store
// keeps enqueueing events for it: no delivery may stay pending for the
// deleted webhook.
func TestDeleteWebhookWhileEnqueueing(t *testing.T) {
	rs := replicas(t)
	ctx := context.Background()
	must(t, "account", rs[0].CreateAccount(ctx, store.Account{ID: "a1", Kind: store.KindBuyer}))
	webhookOf(t, rs[0], "wh1", "a1", "low_balance")
	var (
		wg    sync.WaitGroup
		ids   []string
		idsMu sync.Mutex
	)
	wg.Go(func() {
		for i := 0; ; i++ {
			id := fmt.Sprintf("evt-%04d", i)
			n, err := rs[1].EnqueueEvent(ctx, store.Event{ID: id, AccountID: "a1", Type: "low_balance", Payload: []byte("{}")})
			if err != nil {
				t.Errorf("EnqueueEvent: %v", err)
				return
			}
			if n == 0 { // the webhook is gone
				return
			}
			idsMu.Lock()
			ids = append(ids, id)
			idsMu.Unlock()
		}
	})
	time.Sleep(200 * time.Millisecond)
	must(t, "DeleteWebhook", rs[0].DeleteWebhook(ctx, "a1", "wh1", time.Time{}))
	wg.Wait()
	if len(ids) == 0 {
		t.Fatal("no event was enqueued before the deletion; the test proves nothing")
	}
	for _, id := range ids {
		ds, err := rs[0].Deliveries(ctx, id)
		must(t, "Deliveries", err)
		for _, d := range ds {
			if d.State != store.DeliveryFailed {
				t.Fatalf("delivery of %s after the deletion: got %s, want %s", id, d.State, store.DeliveryFailed)
			}
		}
	}
}
