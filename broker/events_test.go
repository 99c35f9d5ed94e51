package broker_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/receipt"
)

func TestUsageThresholdEvents(t *testing.T) {
	r := newReceiver(t)
	m := newMarketWith(t, setup{config: insecureHooks})
	_, _, op := m.account(api.KindOperator, "op")
	key, _ := m.node(op, listing("NO", 100, 1_000_000))
	_, buyer := m.buyer("metered", 10_000_000)
	r.subscribe(m, buyer, api.EventUsageThreshold)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "NO"}, MaxBytes: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	// Cumulative receipts at 40%, 60%, 85% and past the cap of the hold.
	for i, total := range []int64{4e8, 6e8, 8.5e8, 1.2e9} {
		rc := signedReceipt(l.ID, key, key, uint64(i+1), 0, total)
		if _, err := op.SubmitReceipts(m.ctx, []*receipt.Receipt{rc}); err != nil {
			t.Fatal(err)
		}
	}
	m.deliver(3)
	var got []int
	for _, d := range r.deliveries() {
		var data api.UsageThresholdData
		if err := json.Unmarshal(d.event.Data, &data); err != nil || data.LeaseID != l.ID || data.HoldMicros != l.HoldMicros {
			t.Errorf("got data %s (%v), want lease %s with hold %d", d.event.Data, err, l.ID, l.HoldMicros)
		}
		got = append(got, data.ThresholdPercent)
	}
	slices.Sort(got) // deliveries run in parallel: arrival order is not event order
	if !slices.Equal(got, []int{50, 80, 100}) {
		t.Errorf("got thresholds %v, want 50, 80, 100 once each", got)
	}
}

func TestLowBalanceOnlyWhenCrossing(t *testing.T) {
	r := newReceiver(t)
	m := newMarketWith(t, setup{config: insecureHooks})
	_, _, op := m.account(api.KindOperator, "op")
	m.node(op, listing("NO", 100, 1_000_000))
	_, buyer := m.buyer("spender", 1_500_000)
	r.subscribe(m, buyer, api.EventLowBalance)
	steps := []struct {
		name      string
		topUp     int64
		bytes     int64
		wantAvail int64 // after the hold; an event when it first drops below 1000000
		wantEvent bool
	}{
		{"first drop below", 0, 1e9, 500_000, true},
		{"already below", 0, 2e8, 300_000, false},
		{"topped up and spent again", 5_000_000, 4.5e9, 800_000, true},
	}
	for _, s := range steps {
		before := len(r.deliveries())
		if s.topUp > 0 {
			m.fund(buyer, s.topUp)
		}
		if _, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "NO"}, MaxBytes: s.bytes}); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		n, err := m.broker.DeliverDue(m.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(r.deliveries()) - before; (got == 1) != s.wantEvent || n != got {
			t.Fatalf("%s: got %d events, want event %v", s.name, got, s.wantEvent)
		}
		if !s.wantEvent {
			continue
		}
		var data api.LowBalanceData
		last := r.deliveries()[len(r.deliveries())-1]
		if err := json.Unmarshal(last.event.Data, &data); err != nil || data.AvailableMicros != s.wantAvail || data.ThresholdMicros != 1_000_000 {
			t.Errorf("%s: got %s, want %d available under 1000000", s.name, last.event.Data, s.wantAvail)
		}
	}
}

func TestLeaseExitsChangedEvents(t *testing.T) {
	r := newReceiver(t)
	m := newMarketWith(t, setup{config: insecureHooks})
	_, _, op := m.account(api.KindOperator, "op")
	_, n1 := m.node(op, listing("NO", 100, 1_000_000))
	_, n2 := m.node(op, listing("NO", 200, 1_000_000))
	_, buyer := m.buyer("watcher", 10_000_000)
	r.subscribe(m, buyer, api.EventLeaseExitsChanged)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "NO"}, Exits: 2})
	if err != nil {
		t.Fatal(err)
	}
	beat := func(id string) {
		if _, err := op.Heartbeat(m.ctx, id, api.HeartbeatRequest{SpareBps: 1 << 20}); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name string
		step func()
		want map[string]bool // online by node; nil: no event
	}{
		{"all online", func() {}, nil},
		{"n2 goes silent", func() { m.clock.Advance(heartbeatTTL / 2); beat(n1.ID); m.clock.Advance(heartbeatTTL/2 + time.Second) },
			map[string]bool{n1.ID: true, n2.ID: false}},
		{"nothing new", func() {}, nil},
		{"n2 is back", func() { beat(n2.ID) }, map[string]bool{n1.ID: true, n2.ID: true}},
	}
	for _, s := range steps {
		before := len(r.deliveries())
		s.step()
		if err := m.broker.Sweep(m.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := m.broker.DeliverDue(m.ctx); err != nil {
			t.Fatal(err)
		}
		got := r.deliveries()[before:]
		if (len(got) == 1) != (s.want != nil) || len(got) > 1 {
			t.Fatalf("%s: got %d events, want one: %v", s.name, len(got), s.want != nil)
		}
		if s.want == nil {
			continue
		}
		var data api.LeaseExitsChangedData
		if err := json.Unmarshal(got[0].event.Data, &data); err != nil || data.LeaseID != l.ID || len(data.Exits) != 2 {
			t.Fatalf("%s: got %s, %v", s.name, got[0].event.Data, err)
		}
		for _, e := range data.Exits {
			if e.Online != s.want[e.NodeID] {
				t.Errorf("%s: exit %s online %v, want %v", s.name, e.NodeID, e.Online, s.want[e.NodeID])
			}
		}
	}
}
