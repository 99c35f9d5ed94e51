package storetest

import (
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/store"
)

// wantRecord is the part of a settlement record a test predicts.
type wantRecord struct {
	node         string
	seq          uint64
	up, down     int64
	charged, fee int64
	moved        bool // a ledger transaction is named
}

func testSettlementRecords(t *testing.T, open Opener) {
	f := newFixture(t, open)
	f.buyer("b1", 100_000)
	f.operatorWithNodes("op1", "n1")
	f.operatorWithNodes("op2", "n2")
	l := f.lease("b1", 50_000, 1000, "n1", "n2")
	steps := []store.Settlement{
		{LeaseID: l.ID, NodeID: "n1", Seq: 1, BytesUp: 100, BytesDown: 200, CumChargeMicros: 1_000, CumFeeMicros: 100},
		{LeaseID: l.ID, NodeID: "n1", Seq: 1, BytesUp: 100, BytesDown: 200, CumChargeMicros: 1_000, CumFeeMicros: 100}, // replay
		{LeaseID: l.ID, NodeID: "n2", Seq: 1, BytesUp: 7, BytesDown: 9, CumChargeMicros: 2_000, CumFeeMicros: 200},
		{LeaseID: l.ID, NodeID: "n1", Seq: 2, BytesUp: 150, BytesDown: 300, CumChargeMicros: 1_500, CumFeeMicros: 150},
	}
	for _, s := range steps {
		f.settle(s)
	}
	if _, err := f.s.CloseLease(f.ctx, l.ID, store.LeaseClosed, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.settle(store.Settlement{LeaseID: l.ID, NodeID: "n1", Seq: 3, BytesUp: 200, BytesDown: 300, CumChargeMicros: 2_000, CumFeeMicros: 200})
	op1 := f.records(store.SettlementFilter{OperatorID: "op1"})
	want := []wantRecord{
		{node: "n1", seq: 1, up: 100, down: 200, charged: 1_000, fee: 100, moved: true},
		{node: "n1", seq: 2, up: 50, down: 100, charged: 500, fee: 50, moved: true},
		{node: "n1", seq: 3, up: 50, down: 0}, // after the close: bytes only
	}
	if len(op1) != len(want) {
		t.Fatalf("Settlements(op1): got %d records %+v, want %d", len(op1), op1, len(want))
	}
	for i, w := range want {
		r := op1[i]
		if r.NodeID != w.node || r.Seq != w.seq || r.BytesUp != w.up || r.BytesDown != w.down || r.ChargedMicros != w.charged ||
			r.FeeMicros != w.fee || (r.TxnID != "") != w.moved || r.LeaseID != l.ID || r.OperatorID != "op1" {
			t.Errorf("record %d: got %+v, want %+v", i, r, w)
		}
		if i > 0 && r.ID <= op1[i-1].ID {
			t.Errorf("record %d: ID %d not above %d", i, r.ID, op1[i-1].ID)
		}
		if w.moved {
			f.wantTxn("op1", r.TxnID, r.ChargedMicros-r.FeeMicros)
		}
	}
	if op2 := f.records(store.SettlementFilter{OperatorID: "op2"}); len(op2) != 1 || op2[0].ChargedMicros != 2_000 || op2[0].NodeID != "n2" {
		t.Errorf("Settlements(op2): got %+v, want n2's one record of 2000", op2)
	}
	f.settlementWindows(op1)
}

// settlementWindows checks paging and the time window against all, the
// operator op1's records in order.
func (f *fixture) settlementWindows(all []store.SettlementRecord) {
	f.t.Helper()
	before := all[0].CreatedAt.Add(-time.Hour)
	after := all[len(all)-1].CreatedAt.Add(time.Hour)
	tests := []struct {
		name   string
		filter store.SettlementFilter
		want   int
	}{
		{"after the first", store.SettlementFilter{OperatorID: "op1", AfterID: all[0].ID}, len(all) - 1},
		{"one at a time", store.SettlementFilter{OperatorID: "op1", Limit: 1}, 1},
		{"window around them", store.SettlementFilter{OperatorID: "op1", From: before, To: after}, len(all)},
		{"window before them", store.SettlementFilter{OperatorID: "op1", To: before}, 0},
		{"window after them", store.SettlementFilter{OperatorID: "op1", From: after}, 0},
		{"unknown operator", store.SettlementFilter{OperatorID: "nobody"}, 0},
	}
	for _, tt := range tests {
		f.t.Run(tt.name, func(t *testing.T) {
			if got := f.records(tt.filter); len(got) != tt.want {
				t.Errorf("Settlements(%+v): got %d records, want %d", tt.filter, len(got), tt.want)
			}
		})
	}
}

func (f *fixture) records(filter store.SettlementFilter) []store.SettlementRecord {
	f.t.Helper()
	rs, err := f.s.Settlements(f.ctx, filter)
	if err != nil {
		f.t.Fatalf("Settlements(%+v): %v", filter, err)
	}
	return rs
}

// wantTxn checks that txn credited the operator's seller book net.
func (f *fixture) wantTxn(operator, txn string, net int64) {
	f.t.Helper()
	entries, err := f.s.Ledger(f.ctx, operator, 0, 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	var sum int64
	found := false
	for _, e := range entries {
		if e.TxnID == txn {
			sum += e.AmountMicros
			found = true
		}
	}
	if !found || sum != net {
		f.t.Errorf("ledger of %s: transaction %q credits %d (found %v), want %d", operator, txn, sum, found, net)
	}
}
