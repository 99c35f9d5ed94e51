package agent_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/agent"
	"github.com/sparelink/sparelink/broker/api"
)

func TestPair(t *testing.T) {
	m := newMarket(t)
	opKey, _ := m.Operator()
	_, buyerKey := m.Account(api.KindBuyer, "A Buyer")
	tests := []struct {
		name    string
		key     string
		wantErr error  // a sentinel, or nil
		want    string // in the error, when wantErr is nil and it fails
	}{
		{"operator key", " " + opKey + "\n", nil, ""},
		{"buyer key", buyerKey, agent.ErrNotOperatorKey, ""},
		{"empty", "", agent.ErrNotOperatorKey, ""},
		{"unknown operator key", "sl_operator_nope_nope", nil, "did not accept the key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bal, err := agent.Pair(context.Background(), m.URL, dir, tt.key)
			path := filepath.Join(dir, agent.OperatorKeyFile)
			if tt.wantErr == nil && tt.want == "" {
				if err != nil || bal.AccountID == "" {
					t.Fatalf("Pair: got %+v, %v; want the account's balance", bal, err)
				}
				fi, err := os.Stat(path)
				if err != nil || fi.Mode().Perm() != 0o600 {
					t.Fatalf("operator key file: got %v, %v; want mode 600", fi, err)
				}
				if got, err := agent.LoadOperatorKey(dir); err != nil || got != opKey {
					t.Errorf("LoadOperatorKey: got %q, %v; want the paired key", got, err)
				}
				return
			}
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Pair: got %v, want %v %q", err, tt.wantErr, tt.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("refused pairing left a key file: %v", err)
			}
		})
	}
}

func TestStartWithPairedKey(t *testing.T) {
	m := newMarket(t)
	key, op := m.Operator()
	dir := t.TempDir()
	if _, err := agent.Pair(context.Background(), m.URL, dir, key); err != nil {
		t.Fatalf("Pair: %v", err)
	}
	a := startOwned(t, m, "", func(c *agent.Config) { c.DataDir, c.OperatorKey = dir, "" })
	if _, ok := m.Listed(op, a.NodeID()); !ok {
		t.Errorf("agent started with the paired key is not listed under the operator")
	}
	// A key file others may read is refused, as ssh refuses keys.
	if err := os.Chmod(filepath.Join(dir, agent.OperatorKeyFile), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.LoadOperatorKey(dir); err == nil || !strings.Contains(err.Error(), "too open") {
		t.Errorf("LoadOperatorKey of a world-readable file: got %v, want a permissions error", err)
	}
}

func TestPairWithCode(t *testing.T) {
	m := newMarket(t)
	_, op := m.Operator()
	code, err := op.CreatePairingCode(context.Background(), 0)
	if err != nil {
		t.Fatalf("create pairing code: %v", err)
	}
	dir := t.TempDir()
	// Typed on a router: lower case, without dashes.
	typed := strings.ToLower(strings.ReplaceAll(code.Code, "-", ""))
	bal, err := agent.Pair(context.Background(), m.URL, dir, typed)
	if err != nil {
		t.Fatalf("Pair(code): %v", err)
	}
	own, err := op.Balance(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if bal.AccountID != own.AccountID {
		t.Errorf("paired account %s, want the operator's %s", bal.AccountID, own.AccountID)
	}
	key, err := agent.LoadOperatorKey(dir)
	if err != nil || !strings.HasPrefix(key, "sl_operator_") {
		t.Fatalf("LoadOperatorKey: %q, %v; want a new operator key", key, err)
	}
	// The code works once.
	if _, err := agent.Pair(context.Background(), m.URL, t.TempDir(), code.Code); err == nil ||
		!strings.Contains(err.Error(), "pairing code") {
		t.Errorf("second use of the code: got %v, want a refusal naming the pairing code", err)
	}
}
