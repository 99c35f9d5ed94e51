package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// TestWireNames pins the JSON spelling of the bodies that other programs
// depend on: renaming a field breaks every deployed client.
func TestWireNames(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"problem", api.Problem{Type: api.ProblemTypePrefix + api.CodeNoSupply, Title: "Conflict", Status: 409, Code: api.CodeNoSupply, RequestID: "req_1"},
			`{"type":"urn:sparelink:problem:no_supply","title":"Conflict","status":409,"code":"no_supply","request_id":"req_1"}`},
		{"list", api.LeaseList{Leases: []api.Lease{}, HasMore: true}, `{"data":[],"has_more":true}`},
		{"listed key has no secret and no zero times", api.Key{ID: "k1", AccountID: "ac_1", Scope: api.KindBuyer, CreatedAt: at},
			`{"id":"k1","account_id":"ac_1","scope":"buyer","created_at":"2026-03-01T12:00:00Z"}`},
		{"balance", api.Balance{AccountID: "ac_1", AvailableMicros: 1, HeldMicros: 2, EarnedMicros: 3},
			`{"account_id":"ac_1","available_micros":1,"held_micros":2,"earned_micros":3}`},
		{"empty lease request", api.LeaseRequest{}, `{}`},
		{"lease request", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, MaxBytes: 5, Mode: api.ModeSticky},
			`{"coverage":{"country":"DE"},"max_bytes":5,"mode":"sticky"}`},
		{"quote", api.Quote{AvailableExits: 3, Operators: 2, SpareBps: 7, PriceMicrosPerGB: 4, PriceMicrosPerHour: 8, FeeBPS: 1000, MaxBytes: 6, HoldMicros: 9},
			`{"available_exits":3,"operators":2,"spare_bps":7,"price_micros_per_gb":4,"price_micros_per_hour":8,"fee_bps":1000,"max_bytes":6,"hold_micros":9,"quality":{"success_rate":0,"latency_ms":0,"throughput_bps":0}}`},
		{"exit", api.Exit{NodeID: "nd_1", Region: api.Region{Country: "DE"}, ConnectionType: api.ConnMobile, ASN: 7,
			QUIC: &api.QUICExit{Addr: "h:1", PublicKey: "cGs=", Token: "slt1.a.b"}},
			`{"node_id":"nd_1","region":{"country":"DE"},"connection_type":"mobile","asn":7,"quic":{"addr":"h:1","public_key":"cGs=","token":"slt1.a.b"}}`},
		{"receipt result", api.ReceiptResult{LeaseID: "ls_1", NodeID: "nd_1", Seq: 2, Error: "bad"},
			`{"lease_id":"ls_1","node_id":"nd_1","seq":2,"applied":false,"charged_micros":0,"exhausted":false,"error":"bad"}`},
		{"ledger check", api.LedgerCheck{Balanced: true},
			`{"sum_micros":0,"unbalanced_txns":0,"book_mismatches":0,"negative_balances":0,"balanced":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
