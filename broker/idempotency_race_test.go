package broker_test

import (
	"bytes"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
	"github.com/sparelink/sparelink/client"
)

func TestIdempotencyInProgress(t *testing.T) {
	faulty := &faultyStore{}
	m := newMarketWith(t, setup{
		store:  func(s store.Store) store.Store { faulty.Store = s; return faulty },
		config: func(c *broker.Config) { c.IdempotencyWait = 50 * time.Millisecond },
	})
	admin := m.adminKey(t)
	const body = `{"kind":"buyer","name":"slow"}`
	entered, open := faulty.hold()
	firstc := make(chan rawResponse, 1)
	go func() { firstc <- m.post("/v1/accounts", admin, "slow-1", body) }()
	<-entered
	dup := m.post("/v1/accounts", admin, "slow-1", body)
	if dup.status != http.StatusConflict || dup.header.Get(api.HeaderRetryAfter) != "1" {
		t.Errorf("duplicate while the first runs: got %d, Retry-After %q; want 409 and 1", dup.status, dup.header.Get(api.HeaderRetryAfter))
	}
	if p := dup.problem(t); p.Code != api.CodeIdempotencyInProgress {
		t.Errorf("got code %s, want %s", p.Code, api.CodeIdempotencyInProgress)
	}
	open()
	first := <-firstc
	if first.status != http.StatusCreated {
		t.Fatalf("first request: got %d %s, want 201", first.status, first.body)
	}
	sameAnswer(t, first, m.post("/v1/accounts", admin, "slow-1", body))
}

// TestConcurrentCredits sends one credit 100 times at once under one
// Idempotency-Key: exactly one ledger transaction, and every caller gets
// the same answer (a 409 idempotency_in_progress is retried, as the SDK
// does).
func TestConcurrentCredits(t *testing.T) {
	m := newMarket(t)
	acct, _, buyer := m.account(api.KindBuyer, "raced")
	admin := m.adminKey(t)
	body := fmt.Sprintf(`{"account_id":%q,"amount_micros":777}`, acct.ID)
	const callers = 100
	answers := make([]rawResponse, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			for try := 0; try < 100; try++ {
				answers[i] = m.post("/v1/admin/credits", admin, "race-1", body)
				if answers[i].status != http.StatusConflict && answers[i].status != http.StatusTooManyRequests {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	for i, a := range answers {
		if a.status != http.StatusCreated || !bytes.Equal(a.body, answers[0].body) {
			t.Errorf("caller %d: got %d %s, want 201 %s like everyone", i, a.status, a.body, answers[0].body)
		}
	}
	ledger, err := buyer.Ledger(m.ctx, "", client.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ledger.Entries) != 1 || ledger.Entries[0].AmountMicros != 777 {
		t.Errorf("got ledger %+v, want exactly one credit of 777", ledger.Entries)
	}
	if b := m.balance(buyer); b.AvailableMicros != 777 {
		t.Errorf("got available %d, want 777", b.AvailableMicros)
	}
}
