package storetest

import (
	"reflect"
	"testing"

	"github.com/sparelink/sparelink/broker/store"
)

// canonLease makes leases comparable with reflect.DeepEqual.
func canonLease(l store.Lease) store.Lease {
	l.CreatedAt, l.ExpiresAt, l.ClosedAt = l.CreatedAt.UTC(), l.ExpiresAt.UTC(), l.ClosedAt.UTC()
	if len(l.Protocols) == 0 {
		l.Protocols = nil
	}
	if len(l.NodeIDs) == 0 {
		l.NodeIDs = nil
	}
	return l
}

// wantLease checks that got equals want.
func wantLease(t *testing.T, what string, got, want store.Lease) {
	t.Helper()
	if !reflect.DeepEqual(canonLease(got), canonLease(want)) {
		t.Errorf("%s:\ngot  %+v\nwant %+v", what, got, want)
	}
}

func testCreateLease(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 10_000)
	f.operatorWithNodes("op1", "n1", "n2")
	req := newLease("b1", 3_000, 1000, "n1", "n2")
	got, created, err := f.s.CreateLease(f.ctx, "", nil, req)
	if err != nil || !created || got.ID == "" {
		t.Fatalf("CreateLease: got %+v, created %v, %v; want a new lease with an ID", got, created, err)
	}
	want := req
	want.ID, want.Status = got.ID, store.LeaseActive
	wantLease(t, "CreateLease", got, want)
	read, err := f.s.Lease(f.ctx, got.ID)
	if err != nil {
		t.Fatalf("Lease(%s): %v", got.ID, err)
	}
	wantLease(t, "Lease", read, want)
	f.wantBalance("b1", 7_000, 3_000, 0)

	named := newLease("b1", 1_000, 0)
	named.ID = "ls-fixed"
	if l, _, err := f.s.CreateLease(f.ctx, "", nil, named); err != nil || l.ID != "ls-fixed" {
		t.Errorf("CreateLease with ID: got %q, %v; want ls-fixed", l.ID, err)
	}
	_, _, err = f.s.CreateLease(f.ctx, "", nil, named)
	wantErr(t, "CreateLease duplicate ID", err, store.ErrConflict)
	f.wantBalance("b1", 6_000, 4_000, 0)
	_, err = f.s.Lease(f.ctx, "ls-404")
	wantErr(t, "Lease(ls-404)", err, store.ErrNotFound)
}

func testCreateLeaseRejects(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 1_000)
	mod := func(fn func(l *store.Lease)) store.Lease {
		l := newLease("b1", 500, 1000)
		fn(&l)
		return l
	}
	tests := []struct {
		name  string
		lease store.Lease
		want  error
	}{
		{"more than available", newLease("b1", 1_001, 1000), store.ErrInsufficientFunds},
		{"unknown buyer", newLease("nobody", 1, 1000), store.ErrNotFound},
		{"zero hold", newLease("b1", 0, 1000), store.ErrInvalid},
		{"negative hold", newLease("b1", -1, 1000), store.ErrInvalid},
		{"hold above the maximum", newLease("b1", store.MaxAmountMicros+1, 1000), store.ErrInvalid},
		{"fee above 100%", newLease("b1", 500, 10_001), store.ErrInvalid},
		{"negative fee", newLease("b1", 500, -1), store.ErrInvalid},
		{"empty buyer", mod(func(l *store.Lease) { l.BuyerID = "" }), store.ErrInvalid},
		{"negative price", mod(func(l *store.Lease) { l.PriceMicrosPerGB = -1 }), store.ErrInvalid},
		{"negative byte cap", mod(func(l *store.Lease) { l.MaxBytes = -1 }), store.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, created, err := f.s.CreateLease(f.ctx, "key-"+tt.name, []byte("h"), tt.lease)
			wantErr(t, "CreateLease", err, tt.want)
			if created {
				t.Errorf("CreateLease: got created=true, want false")
			}
		})
	}
	f.wantBalance("b1", 1_000, 0, 0)
	if ls, err := f.s.Leases(f.ctx, "b1", "", 0); err != nil || len(ls) != 0 {
		t.Errorf("Leases(b1): got %d, %v; want none after rejected requests", len(ls), err)
	}
	// A key used by a rejected request is free for the next one.
	if _, created, err := f.s.CreateLease(f.ctx, "key-more than available", []byte("h2"), newLease("b1", 1_000, 0)); err != nil || !created {
		t.Errorf("CreateLease reusing a rejected key: created %v, %v; want a new lease", created, err)
	}
}

func testCreateLeaseIdempotency(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 10_000)
	f.buyer("b2", 10_000)
	first, created, err := f.s.CreateLease(f.ctx, "idem-1", []byte("hash-A"), newLease("b1", 2_000, 0))
	if err != nil || !created {
		t.Fatalf("CreateLease: created %v, %v", created, err)
	}
	tests := []struct {
		name        string
		buyer, key  string
		hash        string
		wantCreated bool
		wantFirst   bool
		want        error
	}{
		{"retry", "b1", "idem-1", "hash-A", false, true, nil},
		{"retry again", "b1", "idem-1", "hash-A", false, true, nil},
		{"other request", "b1", "idem-1", "hash-B", false, false, store.ErrIdempotencyMismatch},
		{"same key other buyer", "b2", "idem-1", "hash-A", true, false, nil},
		{"no key", "b1", "", "hash-A", true, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, created, err := f.s.CreateLease(f.ctx, tt.key, []byte(tt.hash), newLease(tt.buyer, 2_000, 0))
			wantErr(t, "CreateLease", err, tt.want)
			if err != nil {
				return
			}
			if created != tt.wantCreated || (l.ID == first.ID) != tt.wantFirst {
				t.Errorf("CreateLease: got %s created=%v, want created=%v, first lease=%v",
					l.ID, created, tt.wantCreated, tt.wantFirst)
			}
			if tt.wantFirst {
				wantLease(t, "retried lease", l, first)
			}
		})
	}
	f.wantBalance("b1", 6_000, 4_000, 0)
	f.wantBalance("b2", 8_000, 2_000, 0)
}

func testLeases(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 100_000)
	f.buyer("b2", 100_000)
	var want []string
	for i := 0; i < 7; i++ {
		l := newLease("b1", 100, 0)
		l.ID = id("ls", 6-i) // created out of ID order on purpose
		if _, _, err := f.s.CreateLease(f.ctx, "", nil, l); err != nil {
			t.Fatalf("CreateLease: %v", err)
		}
		want = append([]string{l.ID}, want...)
	}
	f.lease("b2", 100, 0)
	var got []string
	for after := ""; ; {
		page, err := f.s.Leases(f.ctx, "b1", after, 3)
		if err != nil {
			t.Fatalf("Leases(after %q): %v", after, err)
		}
		if len(page) == 0 {
			break
		}
		for _, l := range page {
			got = append(got, l.ID)
		}
		after = page[len(page)-1].ID
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Leases(b1) paged: got %v, want %v", got, want)
	}
}
