package broker_test

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

func TestCreditIdempotency(t *testing.T) {
	m := newMarket(t)
	a, buyer := m.buyer("credited", 0)
	first, err := m.admin.Credit(m.ctx, "top-up-1", a.ID, 5_000_000)
	if err != nil {
		t.Fatalf("credit: %v", err)
	}
	again, err := m.admin.Credit(m.ctx, "top-up-1", a.ID, 5_000_000)
	if err != nil {
		t.Fatalf("repeat credit: %v", err)
	}
	if again.TxnID != first.TxnID {
		t.Errorf("repeat credit got txn %s, want %s", again.TxnID, first.TxnID)
	}
	_, err = m.admin.Credit(m.ctx, "top-up-1", a.ID, 7_000_000)
	wantProblem(t, err, http.StatusUnprocessableEntity, api.CodeIdempotencyMismatch)
	bal, err := buyer.Balance(m.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bal.AvailableMicros != 5_000_000 || bal.HeldMicros != 0 {
		t.Errorf("got balance %+v, want 5000000 available once", bal)
	}
	page, err := buyer.Ledger(m.ctx, "", client.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 1 || page.Entries[0].AmountMicros != 5_000_000 || page.Entries[0].TxnID != first.TxnID {
		t.Errorf("got ledger %+v, want one credit entry of 5000000", page.Entries)
	}
}

func TestCreditValidation(t *testing.T) {
	m := newMarket(t)
	a, _ := m.buyer("validated", 0)
	op, _, _ := m.account(api.KindOperator, "op")
	tests := []struct {
		name    string
		account string
		amount  int64
		status  int
		code    string
	}{
		{"zero amount", a.ID, 0, http.StatusBadRequest, api.CodeInvalidRequest},
		{"negative amount", a.ID, -5, http.StatusBadRequest, api.CodeInvalidRequest},
		{"unknown account", "ac_nobody", 5, http.StatusNotFound, api.CodeNotFound},
		{"operator account", op.ID, 5, http.StatusBadRequest, api.CodeInvalidRequest},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.admin.Credit(m.ctx, fmt.Sprintf("key-%d", i), tt.account, tt.amount)
			wantProblem(t, err, tt.status, tt.code)
		})
	}
}

func TestLedgerPaging(t *testing.T) {
	m := newMarket(t)
	a, buyer := m.buyer("pager", 0)
	for i, amount := range []int64{1, 2, 3, 4, 5} {
		if _, err := m.admin.Credit(m.ctx, "page-"+string(rune('a'+i)), a.ID, amount); err != nil {
			t.Fatal(err)
		}
	}
	var got []int64
	p := client.Page{Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatalf("paging did not end")
		}
		page, err := buyer.Ledger(m.ctx, "", p)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			got = append(got, e.AmountMicros)
		}
		if !page.HasMore {
			break
		}
		p.StartingAfter = strconv.FormatInt(page.Entries[len(page.Entries)-1].ID, 10)
	}
	want := []int64{1, 2, 3, 4, 5}
	if len(got) != len(want) {
		t.Fatalf("got entries %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d: got %d, want %d", i, got[i], want[i])
		}
	}
	adminView, err := m.admin.Ledger(m.ctx, a.ID, client.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(adminView.Entries) != len(want) {
		t.Errorf("admin sees %d entries of %s, want %d", len(adminView.Entries), a.ID, len(want))
	}
}
