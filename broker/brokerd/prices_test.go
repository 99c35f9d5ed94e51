package brokerd_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/brokerd"
)

func TestRunPublishesPriceTable(t *testing.T) {
	dir := t.TempDir()
	prices := filepath.Join(dir, "prices.json")
	table := `{"version": 1, "fee_bps": 800, "rows": [{"country": "DE", "min_micros_per_gb": 2500000}]}`
	if err := os.WriteFile(prices, []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
	r := start(t, brokerd.Config{DataDir: filepath.Join(dir, "data"), Prices: prices})
	got, err := r.admin.Prices(context.Background())
	if err != nil {
		t.Fatalf("Prices: %v", err)
	}
	if got.FeeBPS != 800 || len(got.Rows) != 1 || got.Rows[0].Country != "DE" || got.Rows[0].MinMicrosPerGB != 2_500_000 {
		t.Errorf("got prices %+v, want the table from %s", got, prices)
	}
}

func TestRunRefusesBadPriceTable(t *testing.T) {
	dir := t.TempDir()
	prices := filepath.Join(dir, "prices.json")
	if err := os.WriteFile(prices, []byte(`{"version": 1, "fee_bps": 800, "rowz": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := brokerd.Config{DataDir: filepath.Join(dir, "data"), Prices: prices, Listen: "127.0.0.1:0"}
	err := brokerd.Run(context.Background(), cfg, zaptest.NewLogger(t), nil)
	if err == nil || !strings.Contains(err.Error(), "rowz") {
		t.Errorf("got %v, want an error naming the unknown field", err)
	}
}
