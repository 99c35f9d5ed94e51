package broker_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

func TestKeyNetworks(t *testing.T) {
	m := newMarket(t)
	acct, _, _ := m.account(api.KindBuyer, "fenced")
	tests := []struct {
		name     string
		cidrs    []string
		want     []string // canonical, as listed
		wantCall int      // status of a call from 127.0.0.1
	}{
		{"loopback network", []string{"127.0.0.0/8"}, []string{"127.0.0.0/8"}, http.StatusOK},
		{"host bits cleared", []string{"127.0.0.5/8"}, []string{"127.0.0.0/8"}, http.StatusOK},
		{"single address", []string{"127.0.0.1"}, []string{"127.0.0.1/32"}, http.StatusOK},
		{"mapped address", []string{"::ffff:127.0.0.1"}, []string{"127.0.0.1/32"}, http.StatusOK},
		{"other networks", []string{"2001:db8::/32", "10.0.0.0/8", "10.0.0.0/8"}, []string{"10.0.0.0/8", "2001:db8::/32"}, http.StatusForbidden},
		{"anywhere", nil, nil, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := m.admin.CreateKey(m.ctx, api.CreateKeyRequest{AccountID: acct.ID, AllowedCIDRs: tt.cidrs})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(k.AllowedCIDRs, tt.want) {
				t.Errorf("got allowed_cidrs %q, want %q", k.AllowedCIDRs, tt.want)
			}
			resp := m.raw(http.MethodGet, "/v1/balance", k.Key, nil, nil)
			if resp.status != tt.wantCall {
				t.Fatalf("call from 127.0.0.1: got %d %s, want %d", resp.status, resp.body, tt.wantCall)
			}
			if resp.status == http.StatusForbidden && resp.problem(t).Code != api.CodeForbidden {
				t.Errorf("got code %s, want forbidden", resp.problem(t).Code)
			}
		})
	}
}

func TestKeyNetworkRefusals(t *testing.T) {
	m := newMarket(t)
	admin := m.adminKey(t)
	many := make([]string, 17)
	for i := range many {
		many[i] = "10.0.0.0/8"
	}
	tests := []struct {
		name  string
		cidrs []string
	}{
		{"garbage", []string{"local network"}},
		{"bad prefix length", []string{"10.0.0.0/33"}},
		{"zoned address", []string{"fe80::1%eth0"}},
		{"too many", many},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := m.rawJSON(http.MethodPost, "/v1/keys", admin, api.CreateKeyRequest{AllowedCIDRs: tt.cidrs})
			if resp.status != http.StatusBadRequest || !strings.Contains(resp.problem(t).Detail, "allowed_cidrs") {
				t.Errorf("got %d %s, want 400 about allowed_cidrs", resp.status, resp.body)
			}
		})
	}
}
