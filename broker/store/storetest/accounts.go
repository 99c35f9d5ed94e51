package storetest

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

func testAccounts(t *testing.T, open Opener) {
	f := newFixture(t, open)
	tests := []struct {
		name string
		acct store.Account
		want error
	}{
		{"buyer", store.Account{ID: "b1", Kind: store.KindBuyer, Name: "Buyer", CreatedAt: base}, nil},
		{"operator", store.Account{ID: "o1", Kind: store.KindOperator, Name: "Op", CreatedAt: base}, nil},
		{"admin", store.Account{ID: "a1", Kind: store.KindAdmin, CreatedAt: base.Add(time.Second)}, nil},
		{"duplicate id", store.Account{ID: "b1", Kind: store.KindOperator}, store.ErrConflict},
		{"empty id", store.Account{Kind: store.KindBuyer}, store.ErrInvalid},
		{"unknown kind", store.Account{ID: "x1", Kind: "robot"}, store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.s.CreateAccount(f.ctx, tt.acct)
			wantErr(t, "CreateAccount", err, tt.want)
			if tt.want != nil {
				return
			}
			got, err := f.s.Account(f.ctx, tt.acct.ID)
			if err != nil {
				t.Fatalf("Account(%s): %v", tt.acct.ID, err)
			}
			if got != tt.acct {
				t.Errorf("Account(%s): got %+v, want %+v", tt.acct.ID, got, tt.acct)
			}
		})
	}
	t.Run("default created at", func(t *testing.T) {
		before := time.Now().Add(-time.Minute)
		if err := f.s.CreateAccount(f.ctx, store.Account{ID: "d1", Kind: store.KindBuyer}); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		got, err := f.s.Account(f.ctx, "d1")
		if err != nil || got.CreatedAt.Before(before) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("Account(d1): got %+v, %v; want CreatedAt set to now in UTC", got, err)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		_, err := f.s.Account(f.ctx, "nobody")
		wantErr(t, "Account(nobody)", err, store.ErrNotFound)
	})
}

// newKey returns an API key of the account, not yet stored.
func newKey(id, accountID string) store.APIKey {
	h := sha256.Sum256([]byte("secret of " + id))
	return store.APIKey{ID: id, AccountID: accountID, Scope: store.ScopeBuyer, Hash: h[:], CreatedAt: base}
}

// sameKey compares keys field by field: times by instant, Hash by content.
func sameKey(a, b store.APIKey) bool {
	return a.ID == b.ID && a.AccountID == b.AccountID && a.Scope == b.Scope &&
		bytes.Equal(a.Hash, b.Hash) && a.CreatedAt.Equal(b.CreatedAt) &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.RevokedAt.Equal(b.RevokedAt) &&
		slices.Equal(a.AllowedCIDRs, b.AllowedCIDRs)
}

func testKeys(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("b1", store.KindBuyer)
	f.account("b2", store.KindBuyer)
	expiring := newKey("k2", "b1")
	expiring.ExpiresAt, expiring.Scope = base.Add(24*time.Hour), store.ScopeAdmin
	fenced := newKey("k3", "b1")
	fenced.AllowedCIDRs = []string{"203.0.113.0/24", "2001:db8::/32"}
	tests := []struct {
		name string
		key  store.APIKey
		want error
	}{
		{"plain", newKey("k1", "b1"), nil},
		{"with expiry", expiring, nil},
		{"with allowed networks", fenced, nil},
		{"other account", newKey("k0", "b2"), nil},
		{"duplicate id", newKey("k1", "b2"), store.ErrConflict},
		{"unknown account", newKey("k9", "nobody"), store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, "CreateKey", f.s.CreateKey(f.ctx, tt.key), tt.want)
			if tt.want != nil {
				return
			}
			got, err := f.s.Key(f.ctx, tt.key.ID)
			if err != nil || !sameKey(got, tt.key) {
				t.Errorf("Key(%s): got %+v, %v; want %+v", tt.key.ID, got, err, tt.key)
			}
		})
	}
	_, err := f.s.Key(f.ctx, "k404")
	wantErr(t, "Key(k404)", err, store.ErrNotFound)
	keys, err := f.s.Keys(f.ctx, "b1")
	if err != nil || len(keys) != 3 || keys[0].ID != "k1" || keys[1].ID != "k2" || !sameKey(keys[2], fenced) {
		t.Errorf("Keys(b1): got %+v, %v; want k1, k2, k3", keys, err)
	}
	if keys, err := f.s.Keys(f.ctx, "nobody"); err != nil || len(keys) != 0 {
		t.Errorf("Keys(nobody): got %+v, %v; want none", keys, err)
	}
}

func testRevokeKey(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("b1", store.KindBuyer)
	f.account("b2", store.KindBuyer)
	for _, k := range []store.APIKey{newKey("k1", "b1"), newKey("k2", "b2")} {
		if err := f.s.CreateKey(f.ctx, k); err != nil {
			t.Fatalf("CreateKey(%s): %v", k.ID, err)
		}
	}
	at := base.Add(time.Hour)
	tests := []struct {
		name, account, key string
		want               error
	}{
		{"own key", "b1", "k1", nil},
		{"other account's key", "b1", "k2", store.ErrNotFound},
		{"unknown key", "b1", "k404", store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, "RevokeKey", f.s.RevokeKey(f.ctx, tt.account, tt.key, at), tt.want)
		})
	}
	if err := f.s.RevokeKey(f.ctx, "b1", "k1", at.Add(time.Hour)); err != nil {
		t.Errorf("RevokeKey(k1) again: %v", err)
	}
	if k, err := f.s.Key(f.ctx, "k1"); err != nil || !k.RevokedAt.Equal(at) {
		t.Errorf("Key(k1).RevokedAt: got %v, %v; want %v (the first revocation)", k.RevokedAt, err, at)
	}
	if k, err := f.s.Key(f.ctx, "k2"); err != nil || !k.RevokedAt.IsZero() {
		t.Errorf("Key(k2).RevokedAt: got %v, %v; want zero (not revoked)", k.RevokedAt, err)
	}
}
