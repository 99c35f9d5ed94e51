package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

func testPairingCodes(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.account("op1", store.KindOperator)
	code := func(name string, expires time.Time) []byte {
		t.Helper()
		h := []byte("hash-of-" + name)
		if err := f.s.CreatePairingCode(f.ctx, store.PairingCode{Hash: h, OperatorID: "op1", CreatedAt: base, ExpiresAt: expires}); err != nil {
			t.Fatalf("CreatePairingCode(%s): %v", name, err)
		}
		return h
	}
	key := func(id string) store.APIKey {
		return store.APIKey{ID: id, Scope: store.ScopeOperator, Hash: []byte("key-" + id), CreatedAt: base}
	}
	live := code("live", base.Add(10*time.Minute))
	old := code("old", base.Add(time.Minute))

	got, err := f.s.RedeemPairingCode(f.ctx, live, base.Add(2*time.Minute), key("k1"))
	if err != nil || got.AccountID != "op1" {
		t.Fatalf("RedeemPairingCode = %+v, %v; want a key of op1", got, err)
	}
	if stored, err := f.s.Key(f.ctx, "k1"); err != nil || stored.AccountID != "op1" || stored.Scope != store.ScopeOperator {
		t.Errorf("stored key %+v, %v; want an operator key of op1", stored, err)
	}
	tests := []struct {
		name string
		hash []byte
		at   time.Time
	}{
		{"used", live, base.Add(3 * time.Minute)},
		{"expired", old, base.Add(2 * time.Minute)},
		{"unknown", []byte("nope"), base},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.RedeemPairingCode(f.ctx, tt.hash, tt.at, key(fmt.Sprintf("kx%d", i)))
			wantErr(t, "RedeemPairingCode", err, store.ErrNotFound)
			if _, err := f.s.Key(f.ctx, fmt.Sprintf("kx%d", i)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a refused redemption stored its key: %v", err)
			}
		})
	}
	err = f.s.CreatePairingCode(f.ctx, store.PairingCode{Hash: []byte("x"), OperatorID: "nobody", ExpiresAt: base})
	wantErr(t, "CreatePairingCode(unknown operator)", err, store.ErrNotFound)

	// Racing redeemers: exactly one gets the key.
	race := code("race", base.Add(time.Hour))
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.s.RedeemPairingCode(f.ctx, race, base, key(fmt.Sprintf("race%d", i)))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("racing redeem: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Errorf("racing redeems: %d succeeded, want exactly 1", wins)
	}
}
