package broker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/metering/billing"
)

func TestExtendLease(t *testing.T) {
	m := newMarket(t)
	m.supply()
	_, buyer := m.buyer("extender", 10_000_000)
	_, other := m.buyer("other", 10_000_000)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{MaxBytes: 1_500_000_001, DurationSeconds: 600})
	if err != nil {
		t.Fatal(err)
	}
	v := m.verifier()
	tests := []struct {
		name      string
		req       api.ExtendLeaseRequest
		wantBytes int64
		wantEnd   time.Time
	}{
		{"more bytes", api.ExtendLeaseRequest{AddBytes: 2_000_000_003}, 3_500_000_004, l.ExpiresAt},
		{"more time", api.ExtendLeaseRequest{AddSeconds: 1800}, 3_500_000_004, l.ExpiresAt.Add(30 * time.Minute)},
		{"both", api.ExtendLeaseRequest{AddSeconds: 60, AddBytes: 1}, 3_500_000_005, l.ExpiresAt.Add(31 * time.Minute)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := buyer.ExtendLease(m.ctx, "ext-"+string(rune('a'+i)), l.ID, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			wantHold := billing.HoldFor(tt.wantBytes, l.PriceMicrosPerGB)
			if got.MaxBytes != tt.wantBytes || !got.ExpiresAt.Equal(tt.wantEnd) || got.HoldMicros != wantHold {
				t.Errorf("got cap %d, end %s, hold %d; want %d, %s, %d", got.MaxBytes, got.ExpiresAt, got.HoldMicros,
					tt.wantBytes, tt.wantEnd, wantHold)
			}
			c, err := v.Verify(got.Exits[0].QUIC.Token, got.Exits[0].NodeID)
			if err != nil || c.ByteCap != tt.wantBytes {
				t.Errorf("fresh token: got %+v, %v; want cap %d", c, err, tt.wantBytes)
			}
			if bal := m.balance(buyer); bal.HeldMicros != wantHold {
				t.Errorf("got held %d, want %d", bal.HeldMicros, wantHold)
			}
		})
	}
	refusals := []struct {
		name   string
		caller string
		req    api.ExtendLeaseRequest
		status int
		code   string
	}{
		{"nothing asked", "buyer", api.ExtendLeaseRequest{}, http.StatusBadRequest, api.CodeInvalidRequest},
		{"beyond 30 days", "buyer", api.ExtendLeaseRequest{AddSeconds: 30 * 24 * 3600}, http.StatusBadRequest, api.CodeInvalidRequest},
		{"short balance", "buyer", api.ExtendLeaseRequest{AddBytes: 1e15}, http.StatusPaymentRequired, api.CodeInsufficientFunds},
		{"another buyer's lease", "other", api.ExtendLeaseRequest{AddSeconds: 1}, http.StatusNotFound, api.CodeNotFound},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			c := buyer
			if tt.caller == "other" {
				c = other
			}
			_, err := c.ExtendLease(m.ctx, "", l.ID, tt.req)
			wantProblem(t, err, tt.status, tt.code)
		})
	}
	if _, err := buyer.CloseLease(m.ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	_, err = buyer.ExtendLease(m.ctx, "", l.ID, api.ExtendLeaseRequest{AddSeconds: 60})
	wantProblem(t, err, http.StatusConflict, api.CodeConflict)
	if bal := m.balance(buyer); bal.HeldMicros != 0 || bal.AvailableMicros != 10_000_000 {
		t.Errorf("after close got %+v, want the whole extended hold released", bal)
	}
}
