package broker_test

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
)

func TestPublishedPrices(t *testing.T) {
	table, err := broker.LoadPriceTable(filepath.Join("testdata", "prices.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := newMarketWith(t, setup{config: func(c *broker.Config) { c.Prices = table }})
	resp := m.raw(http.MethodGet, "/v1/prices", "", nil, nil)
	var got api.PriceTable
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &got) != nil {
		t.Fatalf("GET /v1/prices without a key: got %d %s, want 200", resp.status, resp.body)
	}
	if got.FeeBPS != 800 || len(got.Rows) != 4 || got.Rows[3] != (api.PriceRow{Country: "DE", ConnectionType: "mobile", MinMicrosPerGB: 3_500_000}) {
		t.Errorf("got %+v, want the file's fee and four rows", got)
	}
	m.supply() // residential in DE at floors of 1, 2, 3 and 4 units per GB
	_, buyer := m.buyer("priced", 1e9)
	tests := []struct {
		name      string
		req       api.LeaseRequest
		wantPrice int64
	}{
		{"table minimum above the floors", api.LeaseRequest{Exits: 1}, 2_500_000},
		{"a floor above the minimum", api.LeaseRequest{Exits: 4}, 4_000_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := buyer.Quote(m.ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			l, err := buyer.CreateLease(m.ctx, "", tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if q.PriceMicrosPerGB != tt.wantPrice || l.PriceMicrosPerGB != tt.wantPrice || l.FeeBPS != 800 || q.FeeBPS != 800 {
				t.Errorf("got quote %d, lease %d at fee %d; want %d at the table's 800 bps", q.PriceMicrosPerGB, l.PriceMicrosPerGB, l.FeeBPS, tt.wantPrice)
			}
		})
	}
}

func TestPricesWithoutTable(t *testing.T) {
	m := newMarket(t)
	resp := m.raw(http.MethodGet, "/v1/prices", "", nil, nil)
	var got api.PriceTable
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &got) != nil || got.FeeBPS != feeBPS || len(got.Rows) != 0 {
		t.Errorf("got %d %s, want the configured fee and no rows", resp.status, resp.body)
	}
}
