package storetest

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// idem is a pending claim of key by account for a request hashed hash.
func idem(account, key, hash, token string, at time.Time) store.IdempotencyRecord {
	return store.IdempotencyRecord{AccountID: account, Key: key, RequestHash: []byte(hash), Token: token, CreatedAt: at}
}

func testIdempotencyClaim(t *testing.T, open Opener) {
	f := newFixture(t, open)
	stale := base.Add(-time.Minute)
	first, claimed, err := f.s.ClaimIdempotency(f.ctx, idem("a1", "k1", "h1", "t1", base), stale)
	if err != nil || !claimed || first.Token != "t1" || first.Complete {
		t.Fatalf("first claim: got %+v, claimed %v, %v; want a pending claim with token t1", first, claimed, err)
	}
	tests := []struct {
		name        string
		rec         store.IdempotencyRecord
		wantClaimed bool
		wantToken   string
		want        error
	}{
		{"running duplicate", idem("a1", "k1", "h1", "t2", base), false, "t1", nil},
		{"other request", idem("a1", "k1", "h2", "t3", base), false, "t1", store.ErrIdempotencyMismatch},
		{"same key other account", idem("a2", "k1", "h2", "t4", base), true, "t4", nil},
		{"empty token", idem("a1", "k2", "h1", "", base), false, "", store.ErrInvalid},
		{"empty key", idem("a1", "", "h1", "t5", base), false, "", store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, claimed, err := f.s.ClaimIdempotency(f.ctx, tt.rec, stale)
			wantErr(t, "ClaimIdempotency", err, tt.want)
			if claimed != tt.wantClaimed || (tt.wantToken != "" && got.Token != tt.wantToken) {
				t.Errorf("got %+v claimed %v, want claimed %v with token %q", got, claimed, tt.wantClaimed, tt.wantToken)
			}
		})
	}
	read, err := f.s.Idempotency(f.ctx, "a1", "k1")
	if err != nil || read.Token != "t1" || read.Complete || !bytes.Equal(read.RequestHash, []byte("h1")) || !read.CreatedAt.Equal(base) {
		t.Errorf("Idempotency(a1, k1): got %+v, %v; want the first claim, pending", read, err)
	}
	_, err = f.s.Idempotency(f.ctx, "a1", "missing")
	wantErr(t, "Idempotency(missing)", err, store.ErrNotFound)
}

func testIdempotencyComplete(t *testing.T, open Opener) {
	f := newFixture(t, open)
	stale := base.Add(-time.Minute)
	if _, _, err := f.s.ClaimIdempotency(f.ctx, idem("a1", "k1", "h1", "t1", base), stale); err != nil {
		t.Fatal(err)
	}
	answer := idem("a1", "k1", "h1", "t1", base)
	answer.Status, answer.ContentType, answer.Body = 201, "application/json", []byte(`{"id":"x"}`+"\n")
	thief := answer
	thief.Token = "t-other"
	wantErr(t, "CompleteIdempotency with another token", f.s.CompleteIdempotency(f.ctx, thief), store.ErrConflict)
	wantErr(t, "CompleteIdempotency", f.s.CompleteIdempotency(f.ctx, answer), nil)
	wantErr(t, "CompleteIdempotency twice", f.s.CompleteIdempotency(f.ctx, answer), store.ErrConflict)
	wantErr(t, "ReleaseIdempotency of a complete record", f.s.ReleaseIdempotency(f.ctx, "a1", "k1", "t1"), nil)
	// Long after, a complete record is still replayed, never reclaimed.
	got, claimed, err := f.s.ClaimIdempotency(f.ctx, idem("a1", "k1", "h1", "t2", base.Add(time.Hour)), base.Add(time.Hour))
	if err != nil || claimed || !got.Complete || got.Status != 201 || got.ContentType != "application/json" || !bytes.Equal(got.Body, answer.Body) {
		t.Errorf("claim after completion: got %+v, claimed %v, %v; want the stored answer", got, claimed, err)
	}
}

func testIdempotencyRelease(t *testing.T, open Opener) {
	f := newFixture(t, open)
	stale := base.Add(-time.Minute)
	claim := func(token string, at, staleBefore time.Time) (store.IdempotencyRecord, bool) {
		t.Helper()
		r, claimed, err := f.s.ClaimIdempotency(f.ctx, idem("a1", "k1", "h1", token, at), staleBefore)
		if err != nil {
			t.Fatalf("ClaimIdempotency(%s): %v", token, err)
		}
		return r, claimed
	}
	claim("t1", base, stale)
	wantErr(t, "ReleaseIdempotency with another token", f.s.ReleaseIdempotency(f.ctx, "a1", "k1", "t-other"), nil)
	if _, claimed := claim("t2", base, stale); claimed {
		t.Errorf("key claimed again after a release with the wrong token")
	}
	wantErr(t, "ReleaseIdempotency", f.s.ReleaseIdempotency(f.ctx, "a1", "k1", "t1"), nil)
	if r, claimed := claim("t3", base.Add(time.Second), stale); !claimed || r.Token != "t3" {
		t.Errorf("claim after release: got %+v, claimed %v; want t3's claim", r, claimed)
	}
	// A claim whose request died is taken over once it is stale.
	if r, claimed := claim("t4", base.Add(2*time.Minute), base.Add(time.Minute)); !claimed || r.Token != "t4" {
		t.Errorf("claim of a stale record: got %+v, claimed %v; want t4's claim", r, claimed)
	}
	late := idem("a1", "k1", "h1", "t3", base)
	late.Status = 200
	wantErr(t, "CompleteIdempotency by the replaced claim", f.s.CompleteIdempotency(f.ctx, late), store.ErrConflict)
}

func testIdempotencyPrune(t *testing.T, open Opener) {
	f := newFixture(t, open)
	for i, at := range []time.Time{base.Add(-2 * time.Hour), base.Add(-time.Hour), base} {
		key := fmt.Sprintf("k%d", i)
		if _, _, err := f.s.ClaimIdempotency(f.ctx, idem("a1", key, "h", "t", at), at.Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	n, err := f.s.PruneIdempotency(f.ctx, base.Add(-time.Hour))
	if err != nil || n != 1 {
		t.Errorf("PruneIdempotency: got %d, %v; want 1 record pruned", n, err)
	}
	_, err = f.s.Idempotency(f.ctx, "a1", "k0")
	wantErr(t, "Idempotency(pruned)", err, store.ErrNotFound)
	if _, err := f.s.Idempotency(f.ctx, "a1", "k1"); err != nil {
		t.Errorf("Idempotency(k1) at the cut-off: %v; want it kept", err)
	}
}

// testConcurrentClaims races workers claiming one key: exactly one wins.
func testConcurrentClaims(t *testing.T, open Opener) {
	f := newFixture(t, open)
	var wins atomic.Int32
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			_, claimed, err := f.s.ClaimIdempotency(f.ctx, idem("a1", "race", "h", fmt.Sprintf("t%d", w), base), base.Add(-time.Minute))
			if err != nil {
				t.Errorf("ClaimIdempotency(worker %d): %v", w, err)
			}
			if claimed {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Errorf("got %d winning claims, want exactly 1", wins.Load())
	}
}
