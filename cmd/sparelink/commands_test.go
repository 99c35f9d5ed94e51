package main

import (
	"os"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/broker/api"
)

func TestBuyerCommands(t *testing.T) {
	info := market(t)
	if _, err := run(t, "sl_buyer_nope_nope\n", "login", "--broker", info.BrokerURL, "--key-stdin"); err == nil {
		t.Fatalf("login with a bad key succeeded")
	}
	if _, err := os.Stat(loginFile(t)); !os.IsNotExist(err) {
		t.Fatalf("a refused login left a file: %v", err)
	}
	out := mustRun(t, info.BuyerKey+"\n", "login", "--broker", info.BrokerURL, "--key-stdin")
	if !strings.Contains(out, "Logged in to "+info.BrokerURL) {
		t.Errorf("login said %q, want the broker named", out)
	}
	if st, err := os.Stat(loginFile(t)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("login file: got %v, %v; want mode 0600", st, err)
	}
	var bal api.Balance
	decode(t, mustRun(t, "", "balance", "--json"), &bal)
	if bal.AvailableMicros <= 0 {
		t.Errorf("balance: got %+v, want money available", bal)
	}
	var q api.Quote
	decode(t, mustRun(t, "", "quote", "--exits", "2", "--mib", "64", "--json"), &q)
	if q.AvailableExits < 2 || q.MaxBytes != 64<<20 || q.HoldMicros <= 0 {
		t.Errorf("quote: got %+v, want 2+ exits and a hold for 64 MiB", q)
	}
	if out := mustRun(t, "", "quote", "--country", "zz"); !strings.Contains(out, "exits available") {
		t.Errorf("quote table: got %q", out)
	}
	leaseLifecycle(t)
	keyLifecycle(t)
}

func leaseLifecycle(t *testing.T) {
	t.Helper()
	var l api.Lease
	decode(t, mustRun(t, "", "lease", "create", "--exits", "1", "--mib", "16", "--mode", "sticky", "--json"), &l)
	if l.Status != api.LeaseActive || l.Mode != api.ModeSticky || len(l.Exits) != 1 || l.MaxBytes != 16<<20 {
		t.Fatalf("lease create: got %+v, want an active sticky 16 MiB lease with one exit", l)
	}
	if out := mustRun(t, "", "lease", "list"); !strings.Contains(out, l.ID) || !strings.Contains(out, "sticky") {
		t.Errorf("lease list: got %q, want %s listed", out, l.ID)
	}
	if out := mustRun(t, "", "lease", "show", l.ID); !strings.Contains(out, l.Exits[0].NodeID) {
		t.Errorf("lease show: got %q, want its exit", out)
	}
	var ext api.Lease
	decode(t, mustRun(t, "", "lease", "extend", l.ID, "--time", "1h", "--mib", "16", "--json"), &ext)
	if ext.MaxBytes != 32<<20 || !ext.ExpiresAt.After(l.ExpiresAt) {
		t.Errorf("lease extend: got cap %d until %v, want 32 MiB after %v", ext.MaxBytes, ext.ExpiresAt, l.ExpiresAt)
	}
	if out := mustRun(t, "", "usage", l.ID); !strings.Contains(out, "total") {
		t.Errorf("usage: got %q, want a total row", out)
	}
	var closed api.Lease
	decode(t, mustRun(t, "", "lease", "close", l.ID, "--json"), &closed)
	if closed.Status != api.LeaseClosed {
		t.Errorf("lease close: got status %q, want closed", closed.Status)
	}
	if _, err := run(t, "", "lease", "extend", l.ID, "--time", "1h"); err == nil {
		t.Errorf("extending a closed lease succeeded")
	}
}

func keyLifecycle(t *testing.T) {
	t.Helper()
	var k api.Key
	decode(t, mustRun(t, "", "keys", "create", "--json"), &k)
	if !strings.HasPrefix(k.Key, "sl_buyer_") {
		t.Fatalf("keys create: got %+v, want a buyer key", k)
	}
	if out := mustRun(t, "", "keys", "list"); !strings.Contains(out, k.ID) || strings.Contains(out, k.Key) {
		t.Errorf("keys list: got %q, want %s listed without its secret", out, k.ID)
	}
	mustRun(t, "", "keys", "revoke", k.ID)
	var keys []api.Key
	decode(t, mustRun(t, "", "keys", "list", "--json"), &keys)
	for _, got := range keys {
		if got.ID == k.ID && got.RevokedAt.IsZero() {
			t.Errorf("keys list after revoke: %s not revoked", k.ID)
		}
	}
	var hooks []api.Webhook
	decode(t, mustRun(t, "", "webhooks", "list", "--json"), &hooks)
	if len(hooks) != 0 {
		t.Errorf("webhooks list: got %v, want none", hooks)
	}
	if _, err := run(t, "", "webhooks", "create", "http://127.0.0.1:1/hook"); err == nil {
		t.Errorf("webhooks create with a loopback http URL succeeded")
	}
}
