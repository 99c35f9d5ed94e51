package integration

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// statement is the part of `sparelink demo --json` this test checks.
type statement struct {
	LeaseID     string `json:"lease_id"`
	LeaseStatus string `json:"lease_status"`
	Exits       []struct {
		NodeID        string `json:"node_id"`
		BytesUp       int64  `json:"bytes_up"`
		BytesDown     int64  `json:"bytes_down"`
		ChargedMicros int64  `json:"charged_micros"`
	} `json:"exits"`
	BytesUp            int64 `json:"bytes_up"`
	BytesDown          int64 `json:"bytes_down"`
	MeteredBytes       int64 `json:"metered_bytes"`
	BuyerChargedMicros int64 `json:"buyer_charged_micros"`
	SellerEarnedMicros int64 `json:"seller_earned_micros"`
	FeeMicros          int64 `json:"fee_micros"`
	LedgerBalanced     bool  `json:"ledger_balanced"`
}

// statementFields are the keys the JSON statement must carry.
var statementFields = []string{
	"lease_id", "exits", "bytes_up", "bytes_down", "metered_bytes",
	"buyer_charged_micros", "seller_earned_micros", "fee_micros", "ledger_balanced",
}

func TestDemoStatement(t *testing.T) {
	t.Parallel()
	p := run(t, binCLI, nil, "demo", "--download", "2", "--upload", "1")
	if got := p.exitCode(); got != 0 {
		t.Fatalf("sparelink demo: got exit status %d, want 0", got)
	}
	out := p.stdout.String()
	for _, want := range []string{"statement", "lease ls_", "buyer charged", "seller earnings", "broker fee", "ledger balanced yes"} {
		if !strings.Contains(out, want) {
			t.Errorf("sparelink demo: got no %q in the statement:\n%s", want, out)
		}
	}
}

func TestDemoJSON(t *testing.T) {
	t.Parallel()
	p := run(t, binCLI, nil, "demo", "--json")
	if got := p.exitCode(); got != 0 {
		t.Fatalf("sparelink demo --json: got exit status %d, want 0", got)
	}
	st := decodeStatement(t, []byte(p.stdout.String()))
	checkStatement(t, st)
	if st.LeaseStatus != "closed" {
		t.Errorf("lease status: got %q, want closed (the demo closes its lease)", st.LeaseStatus)
	}
}

// decodeStatement checks that out is exactly one JSON object with every
// field of statementFields, and decodes it.
func decodeStatement(t *testing.T, out []byte) statement {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(out))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		t.Fatalf("statement: %v in %q", err, out)
	}
	if dec.More() {
		t.Fatalf("statement: got more than one JSON value in %q", out)
	}
	for _, f := range statementFields {
		if _, ok := fields[f]; !ok {
			t.Errorf("statement: got no %q in %s", f, out)
		}
	}
	var st statement
	if err := json.Unmarshal(out, &st); err != nil {
		t.Fatalf("statement: %v", err)
	}
	return st
}

// checkStatement checks the statement's sums against each other.
func checkStatement(t *testing.T, st statement) {
	t.Helper()
	if !strings.HasPrefix(st.LeaseID, "ls_") || len(st.Exits) == 0 {
		t.Errorf("got lease %q with %d exits, want an ls_ lease with exits", st.LeaseID, len(st.Exits))
	}
	var up, down, charged int64
	for _, e := range st.Exits {
		up, down, charged = up+e.BytesUp, down+e.BytesDown, charged+e.ChargedMicros
	}
	checks := []struct {
		name      string
		got, want int64
	}{
		{"bytes_up = sum over exits", st.BytesUp, up},
		{"bytes_down = sum over exits", st.BytesDown, down},
		{"metered_bytes = bytes_up + bytes_down", st.MeteredBytes, st.BytesUp + st.BytesDown},
		{"buyer_charged_micros = sum over exits", st.BuyerChargedMicros, charged},
		{"seller_earned_micros + fee_micros = buyer_charged_micros", st.SellerEarnedMicros + st.FeeMicros, st.BuyerChargedMicros},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %d, want %d", c.name, c.got, c.want)
		}
	}
	if st.MeteredBytes <= 0 || st.BuyerChargedMicros <= 0 || st.FeeMicros <= 0 {
		t.Errorf("got metered %d bytes, charged %d, fee %d; want all > 0", st.MeteredBytes, st.BuyerChargedMicros, st.FeeMicros)
	}
	if !st.LedgerBalanced {
		t.Errorf("ledger_balanced: got false, want true")
	}
}
