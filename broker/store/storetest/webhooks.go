package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// newWebhook returns a webhook of account for events, not yet stored.
func newWebhook(id, account string, events ...string) store.Webhook {
	return store.Webhook{ID: id, AccountID: account, URL: "https://hooks.example/" + id,
		Events: events, Secret: "secret of " + id, CreatedAt: base}
}

func testWebhooks(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("a1", store.KindBuyer)
	f.account("a2", store.KindBuyer)
	tests := []struct {
		name string
		hook store.Webhook
		want error
	}{
		{"first", newWebhook("wh1", "a1", "low_balance"), nil},
		{"second", newWebhook("wh2", "a1", "low_balance", "usage_threshold"), nil},
		{"other account", newWebhook("wh3", "a2", "low_balance"), nil},
		{"duplicate id", newWebhook("wh1", "a2", "low_balance"), store.ErrConflict},
		{"unknown account", newWebhook("wh9", "nobody", "low_balance"), store.ErrNotFound},
		{"no secret", store.Webhook{ID: "wh8", AccountID: "a1", URL: "https://x"}, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, "CreateWebhook", f.s.CreateWebhook(f.ctx, tt.hook), tt.want)
			if tt.want != nil {
				return
			}
			got, err := f.s.Webhook(f.ctx, tt.hook.ID)
			if err != nil || got.URL != tt.hook.URL || got.Secret != tt.hook.Secret || !slices.Equal(got.Events, tt.hook.Events) ||
				!got.CreatedAt.Equal(base) || !got.DeletedAt.IsZero() {
				t.Errorf("Webhook(%s): got %+v, %v; want %+v", tt.hook.ID, got, err, tt.hook)
			}
		})
	}
	f.wantHooks("a1", "", "wh1,wh2")
	f.wantHooks("a1", "wh1", "wh2")
	wantErr(t, "DeleteWebhook of another account", f.s.DeleteWebhook(f.ctx, "a2", "wh1", base), store.ErrNotFound)
	wantErr(t, "DeleteWebhook", f.s.DeleteWebhook(f.ctx, "a1", "wh1", base.Add(time.Hour)), nil)
	wantErr(t, "DeleteWebhook again", f.s.DeleteWebhook(f.ctx, "a1", "wh1", base.Add(2*time.Hour)), nil)
	f.wantHooks("a1", "", "wh2")
	if w, err := f.s.Webhook(f.ctx, "wh1"); err != nil || !w.DeletedAt.Equal(base.Add(time.Hour)) {
		t.Errorf("Webhook(wh1) after deletion: got %+v, %v; want DeletedAt of the first deletion", w, err)
	}
	_, err := f.s.Webhook(f.ctx, "wh404")
	wantErr(t, "Webhook(wh404)", err, store.ErrNotFound)
}

// wantHooks checks the IDs Webhooks lists for account after afterID.
func (f *fixture) wantHooks(account, afterID, want string) {
	f.t.Helper()
	hooks, err := f.s.Webhooks(f.ctx, account, afterID, 0)
	got := ""
	for i, w := range hooks {
		if i > 0 {
			got += ","
		}
		got += w.ID
	}
	if err != nil || got != want {
		f.t.Errorf("Webhooks(%s after %q): got %q, %v; want %q", account, afterID, got, err, want)
	}
}
