package client_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

// signed computes a SpareLink-Signature the way the documentation states.
func signed(secret string, t time.Time, body string) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + body))
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

func TestVerifyWebhook(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	const secret, body = "whsec_abc", `{"id":"evt_1"}`
	tests := []struct {
		name   string
		header string
		body   string
		ok     bool
	}{
		{"valid", signed(secret, now, body), body, true},
		{"a second signature among others", "t=" + strconv.FormatInt(now.Unix(), 10) + ",v1=00," + signed(secret, now, body)[len("t=1772366400,"):], body, true},
		{"skew within tolerance", signed(secret, now.Add(-4*time.Minute), body), body, true},
		{"too old", signed(secret, now.Add(-6*time.Minute), body), body, false},
		{"from the future", signed(secret, now.Add(6*time.Minute), body), body, false},
		{"body changed", signed(secret, now, body), body + " ", false},
		{"other secret", signed("whsec_other", now, body), body, false},
		{"no timestamp", "v1=00", body, false},
		{"no signature", "t=1772366400", body, false},
		{"garbage", "hello", body, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := client.VerifyWebhook(secret, tt.header, []byte(tt.body), now, 5*time.Minute)
			if (err == nil) != tt.ok || (err != nil && !errors.Is(err, client.ErrBadSignature)) {
				t.Errorf("got %v, want ok %v (or ErrBadSignature)", err, tt.ok)
			}
		})
	}
}

func TestPricesAndStatements(t *testing.T) {
	e := newEnv(t)
	prices, err := client.New(e.url, "").Prices(e.ctx)
	if err != nil || prices.FeeBPS != 1000 || len(prices.Rows) != 0 {
		t.Errorf("prices without a key: got %+v, %v; want the default fee and no rows", prices, err)
	}
	a, err := e.admin.CreateAccount(e.ctx, api.CreateAccountRequest{Kind: api.KindOperator, Name: "op"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.admin.Statements(e.ctx, client.StatementQuery{AccountID: a.ID, Period: api.PeriodHour,
		From: time.Now().Add(-time.Hour), To: time.Now()})
	if err != nil || len(got.Statements) != 0 || got.HasMore {
		t.Errorf("statements of a new operator: got %+v, %v; want none", got, err)
	}
}
