package main

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/demo"
)

func TestLeaseAndFetchExample(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := demo.Start(ctx, demo.Config{DataDir: t.TempDir()}, zaptest.NewLogger(t))
	t.Cleanup(func() { _ = m.Close() })
	if err != nil {
		t.Fatal(err)
	}
	info := m.Info()
	c := client.New(info.BrokerURL, info.BuyerKey)
	if err := run(ctx, c, "", info.OriginURL); err != nil {
		t.Fatalf("run: %v", err)
	}
	var active, closed int
	for l, err := range c.AllLeases(ctx, 0) {
		if err != nil {
			t.Fatal(err)
		}
		switch l.Status {
		case api.LeaseActive:
			active++
		case api.LeaseClosed:
			closed++
		}
	}
	if active != 1 || closed != 1 {
		t.Errorf("got %d active and %d closed leases, want the demo's active one and the example's closed one", active, closed)
	}
}
