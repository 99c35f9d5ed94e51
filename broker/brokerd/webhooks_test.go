package brokerd_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/brokerd"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/pgtest"
)

// delivery is one webhook request a receiver got.
type delivery struct {
	eventType, signature string
	body                 []byte
}

// receiver is a webhook endpoint on loopback that passes what it gets on.
func receiver(t *testing.T) (url string, got <-chan delivery) {
	t.Helper()
	ch := make(chan delivery, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ch <- delivery{r.Header.Get(api.HeaderWebhookEventType), r.Header.Get(api.HeaderWebhookSignature), body}
	}))
	t.Cleanup(srv.Close)
	return srv.URL, ch
}

// TestRunDeliversWebhooks checks that the daemon sends webhook deliveries
// on either store: a lease that takes a buyer below the low-balance line
// reaches the buyer's endpoint, signed with the webhook's secret.
func TestRunDeliversWebhooks(t *testing.T) {
	tests := []struct {
		name  string
		store func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := start(t, brokerd.Config{DataDir: filepath.Join(t.TempDir(), "data"), Store: tt.store(t), WebhookInsecure: true})
			buyer := newAccount(t, r, api.KindBuyer)
			if _, err := r.admin.Credit(ctx, "fund", buyer.id, 1_500_000); err != nil {
				t.Fatalf("Credit: %v", err)
			}
			op := newAccount(t, r, api.KindOperator)
			k, err := identity.Generate()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := op.c.RegisterNode(ctx, k.Private, listing("DE", 3320, 1_000_000)); err != nil {
				t.Fatalf("RegisterNode: %v", err)
			}
			url, got := receiver(t)
			hook, err := buyer.c.CreateWebhook(ctx, "hook-1", api.CreateWebhookRequest{URL: url, Events: []string{api.EventLowBalance}})
			if err != nil {
				t.Fatalf("CreateWebhook: %v", err)
			}
			if _, err := buyer.c.CreateLease(ctx, "lease-1", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, MaxBytes: 1e9}); err != nil {
				t.Fatalf("CreateLease: %v", err)
			}
			select {
			case d := <-got:
				if d.eventType != api.EventLowBalance {
					t.Errorf("delivered event type: got %q, want %q", d.eventType, api.EventLowBalance)
				}
				if err := client.VerifyWebhook(hook.Secret, d.signature, d.body, time.Now(), time.Minute); err != nil {
					t.Errorf("delivery signature: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("no webhook delivery within 30s")
			}
		})
	}
}

// testAccount is an account with a client for its own key.
type testAccount struct {
	id string
	c  *client.Client
}

// newAccount creates an account of kind with a key through r's admin.
func newAccount(t *testing.T, r running, kind string) testAccount {
	t.Helper()
	ctx := context.Background()
	a, err := r.admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: kind})
	if err != nil {
		t.Fatalf("create %s: %v", kind, err)
	}
	k, err := r.admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		t.Fatalf("key for %s: %v", a.ID, err)
	}
	return testAccount{a.ID, client.New(r.url, k.Key, client.WithRetry(3, time.Millisecond))}
}
