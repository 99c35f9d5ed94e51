package broker_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/billing"
)

// verifier checks exit tokens with the broker's published keys.
func (m *market) verifier() *lease.Verifier {
	m.t.Helper()
	keys, err := m.client("").BrokerKeys(m.ctx)
	if err != nil {
		m.t.Fatal(err)
	}
	pubs := map[string]ed25519.PublicKey{}
	for _, k := range keys.Keys {
		pub, err := base64.StdEncoding.DecodeString(k.PublicKey)
		if err != nil {
			m.t.Fatalf("broker key %s: %v", k.KID, err)
		}
		pubs[k.KID] = pub
	}
	return lease.NewVerifier(pubs, m.clock.Now)
}

func TestLeaseDefaults(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, key, buyer := m.account(api.KindBuyer, "defaults")
	m.fund(buyer, 1e9)
	for _, body := range []string{`{}`, ``} {
		resp := m.raw(http.MethodPost, "/v1/leases", key, []byte(body), nil)
		if resp.status != http.StatusCreated {
			t.Fatalf("body %q: got %d %s, want 201", body, resp.status, resp.body)
		}
		var l api.Lease
		if err := json.Unmarshal(resp.body, &l); err != nil {
			t.Fatal(err)
		}
		want := billing.HoldFor(api.DefaultMaxBytes, l.PriceMicrosPerGB)
		switch {
		case len(l.Exits) != 1, l.MaxBytes != api.DefaultMaxBytes, l.HoldMicros != want, l.Mode != api.ModeRotating,
			!slices.Equal(l.Protocols, []string{api.ProtocolQUIC}), !l.ExpiresAt.Equal(l.CreatedAt.Add(time.Hour)), l.RateBps != 0:
			t.Errorf("body %q: got %+v, want one QUIC exit, 1 GiB for %d micros, an hour, rotating, unlimited", body, l, want)
		}
	}
}

func TestLeaseTerms(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, buyer := m.buyer("terms", 1e9)
	v := m.verifier()
	tests := []struct {
		name string
		req  api.LeaseRequest
	}{
		{"odd byte count", api.LeaseRequest{MaxBytes: 1_234_567_891, Mode: api.ModeSticky}},
		{"strict and shaped", api.LeaseRequest{Exits: 2, MaxBytes: 5_000_000_007, RateBps: 1 << 20, Mode: api.ModeStrict, Coverage: api.Coverage{Country: "DE"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := buyer.CreateLease(m.ctx, "", tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if l.MaxBytes != tt.req.MaxBytes || l.Mode != tt.req.Mode || l.RateBps != tt.req.RateBps {
				t.Errorf("got max_bytes %d, mode %s, rate %d; want exactly %d, %s, %d", l.MaxBytes, l.Mode, l.RateBps,
					tt.req.MaxBytes, tt.req.Mode, tt.req.RateBps)
			}
			if want := billing.HoldFor(tt.req.MaxBytes, l.PriceMicrosPerGB); l.HoldMicros != want {
				t.Errorf("got hold %d, want %d: the price of max_bytes", l.HoldMicros, want)
			}
			for _, e := range l.Exits {
				c, err := v.Verify(e.QUIC.Token, e.NodeID)
				if err != nil || c.ByteCap != tt.req.MaxBytes || c.RateBps != tt.req.RateBps {
					t.Errorf("exit %s token: got %+v, %v; want cap %d, rate %d", e.NodeID, c, err, tt.req.MaxBytes, tt.req.RateBps)
				}
			}
			read, err := buyer.Lease(m.ctx, l.ID)
			if err != nil || read.MaxBytes != l.MaxBytes || read.Mode != l.Mode {
				t.Errorf("read back: got %+v, %v; want the same terms", read, err)
			}
		})
	}
}

func TestQuotePrices(t *testing.T) {
	m := newMarket(t)
	m.supply() // DE: A at 1 and 4 units/GB, B at 2, C at 3; 1 MiB/s spare each
	_, buyer := m.buyer("quoter", 0)
	tests := []struct {
		name        string
		req         api.LeaseRequest
		wantPrice   int64
		wantSpare   int64
		wantPerHour int64
	}{
		{"at the request's rate", api.LeaseRequest{Exits: 2, RateBps: 1_000_000}, 2_000_000, 2 << 20,
			billing.Charge(1_000_000*3600, 2_000_000)},
		{"at the exits' spare capacity", api.LeaseRequest{Exits: 3}, 3_000_000, 3 << 20,
			billing.Charge(3<<20*3600, 3_000_000)},
		{"no supply", api.LeaseRequest{Coverage: api.Coverage{Country: "JP"}}, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := buyer.Quote(m.ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if q.PriceMicrosPerGB != tt.wantPrice || q.SpareBps != tt.wantSpare || q.PriceMicrosPerHour != tt.wantPerHour {
				t.Errorf("got price %d/GB, spare %d, %d/hour; want %d, %d, %d", q.PriceMicrosPerGB, q.SpareBps,
					q.PriceMicrosPerHour, tt.wantPrice, tt.wantSpare, tt.wantPerHour)
			}
			if q.MaxBytes != api.DefaultMaxBytes || q.HoldMicros != billing.HoldFor(api.DefaultMaxBytes, tt.wantPrice) {
				t.Errorf("got max_bytes %d, hold %d; want the default 1 GiB and its price", q.MaxBytes, q.HoldMicros)
			}
		})
	}
}
