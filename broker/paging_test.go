package broker_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

// listPage is the shape every listing shares.
type listPage struct {
	Data []struct {
		ID json.RawMessage `json:"id"`
	} `json:"data"`
	HasMore bool `json:"has_more"`
}

// walk pages through path two items at a time and returns the IDs seen.
func (m *market) walk(t *testing.T, key, path string) []string {
	t.Helper()
	var ids []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("%s: paging did not end", path)
		}
		q := "?limit=2"
		if strings.Contains(path, "?") {
			q = "&limit=2"
		}
		if after != "" {
			q += "&starting_after=" + after
		}
		resp := m.raw(http.MethodGet, path+q, key, nil, nil)
		var p listPage
		if resp.status != http.StatusOK || json.Unmarshal(resp.body, &p) != nil {
			t.Fatalf("GET %s%s: got %d %s", path, q, resp.status, resp.body)
		}
		if len(p.Data) > 2 || (p.HasMore && len(p.Data) != 2) {
			t.Fatalf("GET %s%s: got %d items, has_more %v; want at most 2, and 2 when more follow", path, q, len(p.Data), p.HasMore)
		}
		for _, d := range p.Data {
			var id any
			_ = json.Unmarshal(d.ID, &id)
			ids = append(ids, fmt.Sprint(id))
		}
		if !p.HasMore {
			return ids
		}
		after = ids[len(ids)-1]
	}
}

func TestListingsPage(t *testing.T) {
	m := newMarket(t)
	m.supply() // 4 nodes
	acct, key, buyer := m.account(api.KindBuyer, "lister")
	m.fund(buyer, 1e9)
	for i := 0; i < 5; i++ {
		if _, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 1e9}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		if _, err := m.admin.CreateKey(m.ctx, api.CreateKeyRequest{AccountID: acct.ID}); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, path string
		want       int
	}{
		{"keys", "/v1/keys", 3},
		{"nodes", "/v1/nodes", 4},
		{"leases", "/v1/leases", 5},
		{"ledger", "/v1/ledger", 1 + 5*2}, // a credit, and a hold of two entries per lease
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids := m.walk(t, key, tt.path)
			sorted := slices.Clone(ids)
			slices.Sort(sorted)
			if len(ids) != tt.want || len(slices.Compact(sorted)) != tt.want {
				t.Errorf("got IDs %v, want %d distinct", ids, tt.want)
			}
		})
	}
}

func TestListingRefusals(t *testing.T) {
	m := newMarket(t)
	_, key, _ := m.account(api.KindBuyer, "refused")
	for _, q := range []string{"/v1/leases?limit=0", "/v1/leases?limit=501", "/v1/leases?limit=x",
		"/v1/nodes?starting_after=%20", "/v1/ledger?starting_after=abc", "/v1/ledger?starting_after=-1"} {
		t.Run(q, func(t *testing.T) {
			resp := m.raw(http.MethodGet, q, key, nil, nil)
			if resp.status != http.StatusBadRequest {
				t.Fatalf("got %d %s, want 400", resp.status, resp.body)
			}
			if p := resp.problem(t); p.Code != api.CodeInvalidRequest {
				t.Errorf("got code %s, want %s", p.Code, api.CodeInvalidRequest)
			}
		})
	}
}
