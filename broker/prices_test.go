package broker

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePriceTable(t *testing.T) {
	tests := []struct {
		name    string
		data    string
		wantErr string // "": valid
	}{
		{"minimal", `{"version":1,"rows":[]}`, ""},
		{"fee and rows", `{"version":1,"fee_bps":500,"rows":[{"country":"FR","min_micros_per_gb":1}]}`, ""},
		{"unknown field", `{"version":1,"rows":[],"currency":"EUR"}`, "unknown field"},
		{"unknown row field", `{"version":1,"rows":[{"min_micros_per_gb":1,"city":"Paris"}]}`, "unknown field"},
		{"trailing data", `{"version":1,"rows":[]} {}`, "after the JSON value"},
		{"no version", `{"rows":[]}`, "version 0"},
		{"future version", `{"version":2,"rows":[]}`, "version 2"},
		{"fee above 100%", `{"version":1,"fee_bps":10001,"rows":[]}`, "fee_bps"},
		{"lower-case country", `{"version":1,"rows":[{"country":"de","min_micros_per_gb":1}]}`, "country"},
		{"unknown type", `{"version":1,"rows":[{"connection_type":"satellite","min_micros_per_gb":1}]}`, "connection_type"},
		{"free", `{"version":1,"rows":[{"min_micros_per_gb":0}]}`, "min_micros_per_gb"},
		{"duplicate", `{"version":1,"rows":[{"country":"DE","min_micros_per_gb":1},{"country":"DE","min_micros_per_gb":2}]}`, "second row"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePriceTable([]byte(tt.data))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got error %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got error %v, want one about %q", err, tt.wantErr)
			}
		})
	}
}

func TestPriceTableMinimum(t *testing.T) {
	table, err := LoadPriceTable(filepath.Join("testdata", "prices.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		country, conn string
		want          int64
	}{
		{"DE", "mobile", 3_500_000},      // country and type
		{"DE", "residential", 2_500_000}, // country
		{"FR", "mobile", 1_500_000},      // type
		{"FR", "residential", 500_000},   // neither
	}
	for _, tt := range tests {
		t.Run(tt.country+"/"+tt.conn, func(t *testing.T) {
			if got := table.Minimum(tt.country, tt.conn); got != tt.want {
				t.Errorf("got minimum %d, want %d", got, tt.want)
			}
		})
	}
	if got := (PriceTable{}).Minimum("DE", "mobile"); got != 0 {
		t.Errorf("empty table: got minimum %d, want 0", got)
	}
}

func TestLoadPriceTableRefusals(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	if err := os.WriteFile(big, []byte(`{"version":1,"rows":[]}`+strings.Repeat(" ", maxPriceFile)), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{"missing": filepath.Join(dir, "none.json"), "oversized": big} {
		t.Run(name, func(t *testing.T) {
			if _, err := LoadPriceTable(path); err == nil {
				t.Errorf("LoadPriceTable(%s) succeeded, want an error", name)
			}
		})
	}
}

func FuzzParsePriceTable(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "prices.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`{"version":1,"rows":[]}`))
	f.Add([]byte(`{"version":1,"rows":[{"country":"DE","min_micros_per_gb":1},{"country":"DE","min_micros_per_gb":2}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := ParsePriceTable(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(table)
		if err != nil {
			t.Fatal(err)
		}
		round, err := ParsePriceTable(again)
		if err != nil || len(round.Rows) != len(table.Rows) || round.FeeBPS != table.FeeBPS {
			t.Fatalf("accepted table %s does not survive a round trip: %+v, %v", again, round, err)
		}
		for _, r := range table.Rows {
			if m := table.Minimum(r.Country, r.ConnectionType); m < 1 {
				t.Fatalf("row %+v: Minimum = %d, want at least 1", r, m)
			}
		}
	})
}
