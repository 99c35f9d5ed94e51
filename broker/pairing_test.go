package broker_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

func TestPairingCodes(t *testing.T) {
	m := newMarket(t)
	opAcct, _, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 0)
	anon := m.client("")

	code, err := op.CreatePairingCode(m.ctx, 0)
	if err != nil {
		t.Fatalf("create pairing code: %v", err)
	}
	if want := m.clock.Now().Add(15 * time.Minute); !code.ExpiresAt.Equal(want) {
		t.Errorf("code expires %v, want %v", code.ExpiresAt, want)
	}
	typed := strings.ToLower(strings.ReplaceAll(code.Code, "-", " "))
	k, err := anon.RedeemPairingCode(m.ctx, typed)
	if err != nil {
		t.Fatalf("redeem %q: %v", typed, err)
	}
	if k.AccountID != opAcct.ID || k.Scope != "operator" || !strings.HasPrefix(k.Key, "sl_operator_") {
		t.Fatalf("redeemed key %+v, want a new operator key of %s", k, opAcct.ID)
	}
	if bal, err := m.client(k.Key).Balance(m.ctx); err != nil || bal.AccountID != opAcct.ID {
		t.Errorf("the paired key: balance %+v, %v; want the operator's", bal, err)
	}
	_, err = anon.RedeemPairingCode(m.ctx, code.Code)
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)

	short, err := op.CreatePairingCode(m.ctx, 60)
	if err != nil {
		t.Fatalf("create pairing code: %v", err)
	}
	m.clock.Advance(61 * time.Second)
	_, err = anon.RedeemPairingCode(m.ctx, short.Code)
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)

	for _, bad := range []string{"", "ABCD-EFGH", "ABCD-EFGH-IJKL", "ABCD-EFGH-JKMN-P", "ABCD_EFGH_JKMN"} {
		_, err = anon.RedeemPairingCode(m.ctx, bad)
		wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
	}
	_, err = op.CreatePairingCode(m.ctx, 30)
	wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
	_, err = buyer.CreatePairingCode(m.ctx, 0)
	wantProblem(t, err, http.StatusForbidden, api.CodeForbidden)
}
