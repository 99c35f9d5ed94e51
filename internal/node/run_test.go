package node_test

import (
	"context"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/node"
)

func TestHeartbeatsReportSpare(t *testing.T) {
	m := newMarket(t)
	op := m.operator()
	var spare atomic.Int64
	spare.Store(4321)
	cfg := config(t, op)
	cfg.Spare = spare.Load
	cfg.HeartbeatInterval = 20 * time.Millisecond
	n := start(t, cfg)
	stop := run(t, n)
	for _, want := range []int64{4321, 98765, 1} {
		spare.Store(want)
		waitFor(t, "spare_bps to follow the heartbeats", func() bool {
			got, _ := m.Listed(op, n.ID())
			return got.SpareBps == want && got.Status == api.NodeOnline
		})
	}
	if got := m.Heartbeats.Load(); got < 3 {
		t.Errorf("heartbeats: got %d, want at least 3", got)
	}
	if err := stop(); err != nil {
		t.Errorf("Run: got %v, want nil after cancel", err)
	}
	// Run has returned: no more heartbeats.
	after := m.Heartbeats.Load()
	time.Sleep(100 * time.Millisecond)
	if got := m.Heartbeats.Load(); got != after {
		t.Errorf("heartbeats after Run returned: got %d more", got-after)
	}
}

func TestHeartbeatDefaultSpareIsCapacity(t *testing.T) {
	m := newMarket(t)
	op := m.operator()
	cfg := config(t, op)
	cfg.Listing.CapacityBps = 777_777
	n := start(t, cfg)
	run(t, n)
	waitFor(t, "the first heartbeat", func() bool { return m.Heartbeats.Load() >= 1 })
	got, _ := m.Listed(op, n.ID())
	if got.SpareBps != 777_777 {
		t.Errorf("spare_bps: got %d, want the capacity 777777", got.SpareBps)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	m := newMarket(t)
	n := start(t, config(t, m.operator()))
	first := n.Close()
	if second := n.Close(); second != first {
		t.Errorf("second Close: got %v, want %v", second, first)
	}
}

func TestStopReleasesGoroutines(t *testing.T) {
	m := newMarket(t)
	op := m.operator()
	o := newOrigin(t, 100)
	base := runtime.NumGoroutine()
	cfg := config(t, op, o.Addr())
	cfg.HeartbeatInterval = 10 * time.Millisecond
	n, err := node.Start(context.Background(), cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	stop := run(t, n)
	waitFor(t, "heartbeats", func() bool { return m.Heartbeats.Load() >= 2 })
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if err := n.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	// Idle keep-alive connections to the broker are the SDK's, not the
	// node's.
	http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if got := runtime.NumGoroutine(); got > base {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines after Close: got %d, want at most %d\n%s", got, base, buf[:runtime.Stack(buf, true)])
	}
}
