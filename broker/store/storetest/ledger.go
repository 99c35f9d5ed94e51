package storetest

import (
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

func testCredit(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 0)
	tests := []struct {
		name    string
		account string
		amount  int64
		want    error
	}{
		{"first", "b1", 5_000_000, nil},
		{"second", "b1", 250, nil},
		{"zero", "b1", 0, store.ErrInvalid},
		{"negative", "b1", -10, store.ErrInvalid},
		{"above the maximum", "b1", store.MaxAmountMicros + 1, store.ErrInvalid},
		{"unknown account", "nobody", 10, store.ErrNotFound},
	}
	var total int64
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txn, err := f.s.Credit(f.ctx, "", tt.account, tt.amount)
			wantErr(t, "Credit", err, tt.want)
			if tt.want == nil {
				total += tt.amount
				if txn == "" {
					t.Errorf("Credit: got empty transaction ID")
				}
			}
		})
	}
	f.wantBalance("b1", total, 0, 0)
}

func testCreditIdempotency(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 0)
	f.buyer("b2", 0)
	first, err := f.s.Credit(f.ctx, "pay-1", "b1", 1000)
	if err != nil {
		t.Fatalf("Credit: %v", err)
	}
	tests := []struct {
		name    string
		key     string
		account string
		amount  int64
		same    bool // must return the first transaction
		want    error
	}{
		{"retry", "pay-1", "b1", 1000, true, nil},
		{"retry again", "pay-1", "b1", 1000, true, nil},
		{"other amount", "pay-1", "b1", 999, false, store.ErrIdempotencyMismatch},
		{"same key other account", "pay-1", "b2", 1000, false, nil},
		{"new key", "pay-2", "b1", 1000, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txn, err := f.s.Credit(f.ctx, tt.key, tt.account, tt.amount)
			wantErr(t, "Credit", err, tt.want)
			if err == nil && (txn == first) != tt.same {
				t.Errorf("Credit(%s, %s): got txn %s, first was %s, want same=%v", tt.key, tt.account, txn, first, tt.same)
			}
		})
	}
	f.wantBalance("b1", 2000, 0, 0)
	f.wantBalance("b2", 1000, 0, 0)
}

func testBalance(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 700)
	f.account("op1", store.KindOperator)
	f.wantBalance("b1", 700, 0, 0)
	f.wantBalance("op1", 0, 0, 0)
	_, err := f.s.Balance(f.ctx, "nobody")
	wantErr(t, "Balance(nobody)", err, store.ErrNotFound)
}

func testLedger(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 0)
	f.buyer("b2", 50)
	txn, err := f.s.Credit(f.ctx, "k", "b1", 1000)
	if err != nil {
		t.Fatalf("Credit: %v", err)
	}
	l := f.lease("b1", 400, 0)
	entries, err := f.s.Ledger(f.ctx, "b1", 0, 0)
	if err != nil {
		t.Fatalf("Ledger(b1): %v", err)
	}
	want := []store.LedgerEntry{
		{TxnID: txn, Book: "buyer:b1:available", AccountID: "b1", AmountMicros: 1000, Kind: "credit"},
		{Book: "buyer:b1:available", AccountID: "b1", AmountMicros: -400, Kind: "hold", LeaseID: l.ID},
		{Book: "buyer:b1:held", AccountID: "b1", AmountMicros: 400, Kind: "hold", LeaseID: l.ID},
	}
	if len(entries) != len(want) {
		t.Fatalf("Ledger(b1): got %d entries %+v, want %d", len(entries), entries, len(want))
	}
	for i, e := range entries {
		w := want[i]
		if i > 0 && (e.ID <= entries[i-1].ID || e.TxnID == "" || e.TxnID == txn) {
			t.Errorf("entry %d: got ID %d txn %q, want increasing IDs and a new txn", i, e.ID, e.TxnID)
		}
		if i == 0 && e.TxnID != w.TxnID {
			t.Errorf("entry 0: got txn %q, want %q", e.TxnID, w.TxnID)
		}
		got := store.LedgerEntry{TxnID: w.TxnID, Book: e.Book, AccountID: e.AccountID,
			AmountMicros: e.AmountMicros, Kind: e.Kind, LeaseID: e.LeaseID}
		if got != w || e.CreatedAt.IsZero() {
			t.Errorf("entry %d: got %+v, want %+v with a creation time", i, e, w)
		}
	}
	if entries[1].TxnID != entries[2].TxnID {
		t.Errorf("hold entries: got txns %q and %q, want one transaction", entries[1].TxnID, entries[2].TxnID)
	}
	_, err = f.s.Ledger(f.ctx, "nobody", 0, 0)
	wantErr(t, "Ledger(nobody)", err, store.ErrNotFound)
}

func testLedgerPaging(t *testing.T, open Opener) {
	f := newFixture(t, open)
	const credits = 105
	f.buyer("b1", 0)
	for i := 0; i < credits; i++ {
		if _, err := f.s.Credit(f.ctx, "", "b1", int64(i+1)); err != nil {
			t.Fatalf("Credit %d: %v", i, err)
		}
	}
	all, err := f.s.Ledger(f.ctx, "b1", 0, 1000)
	if err != nil || len(all) != credits {
		t.Fatalf("Ledger(limit 1000): got %d entries, %v; want %d", len(all), err, credits)
	}
	tests := []struct {
		name    string
		afterID int64
		limit   int
		want    int
	}{
		{"default limit", 0, 0, 100},
		{"negative limit", 0, -5, 100},
		{"small limit", 0, 7, 7},
		{"above max", 0, 5000, credits},
		{"after cursor", all[99].ID, 100, credits - 100},
		{"past the end", all[credits-1].ID, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := f.s.Ledger(f.ctx, "b1", tt.afterID, tt.limit)
			if err != nil || len(got) != tt.want {
				t.Fatalf("Ledger(after %d, limit %d): got %d entries, %v; want %d",
					tt.afterID, tt.limit, len(got), err, tt.want)
			}
			if len(got) > 0 && got[0].ID <= tt.afterID {
				t.Errorf("first entry ID %d, want above cursor %d", got[0].ID, tt.afterID)
			}
		})
	}
}
