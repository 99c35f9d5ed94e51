package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/demo"
)

func TestQuoteExample(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := demo.Start(ctx, demo.Config{DataDir: t.TempDir()}, zaptest.NewLogger(t))
	t.Cleanup(func() { _ = m.Close() })
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	var out bytes.Buffer
	req := api.LeaseRequest{Exits: 2, MaxBytes: 1 << 30}
	if err := run(ctx, &out, client.New(info.BrokerURL, info.BuyerKey), req); err != nil {
		t.Fatalf("run: %v", err)
	}
	if !strings.Contains(out.String(), "matching exits  3 from 3 operators") {
		t.Errorf("got %q, want the demo's three exits", out.String())
	}
}
