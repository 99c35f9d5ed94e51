package broker_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/capacity"
	"github.com/sparelink/sparelink/agent/probe"
	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// nodeByID returns the listing of one node as c sees it.
func nodeByID(t *testing.T, m *market, c *client.Client, id string) api.Node {
	t.Helper()
	list, err := c.Nodes(m.ctx, client.NodeQuery{})
	if err != nil {
		t.Fatalf("list nodes: %v", err)
	}
	for _, n := range list.Nodes {
		if n.ID == id {
			return n
		}
	}
	t.Fatalf("node %s not listed", id)
	return api.Node{}
}

func TestHeartbeatReport(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 0)
	_, n := m.node(op, listing("DE", 3320, 1000))
	measured := m.clock.Now().Add(-time.Hour)
	caps := &api.OwnerCaps{MaxUpBps: 250_000, MonthlyQuotaBytes: 500e9, QuotaResetDay: 15,
		QuotaUsedBytes: 12e9, Schedule: "mon-fri 22:00-07:00", MaxLeases: 4, WebOnly: true}
	req := api.HeartbeatRequest{SpareBps: 200_000, LoadBps: 50_000, ActiveLeases: 2, OwnerCaps: caps,
		Link: &api.Link{UpBps: 2_500_000, DownBps: 12_500_000, MeasuredAt: measured}}
	if _, err := op.Heartbeat(m.ctx, n.ID, req); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	for _, who := range []struct {
		name string
		c    *client.Client
	}{{"operator", op}, {"buyer", buyer}} {
		got := nodeByID(t, m, who.c, n.ID)
		switch {
		case !got.Available || got.UnavailableReason != "":
			t.Errorf("%s sees available %v (%q), want available", who.name, got.Available, got.UnavailableReason)
		case got.LoadBps != 50_000 || got.ActiveLeases != 2 || got.SpareBps != 200_000:
			t.Errorf("%s sees load %d, leases %d, spare %d; want 50000, 2, 200000", who.name, got.LoadBps, got.ActiveLeases, got.SpareBps)
		case got.OwnerCaps == nil || *got.OwnerCaps != *caps:
			t.Errorf("%s sees owner caps %+v, want %+v", who.name, got.OwnerCaps, caps)
		case got.LinkReported == nil || got.LinkReported.UpBps != 2_500_000 || !got.LinkReported.MeasuredAt.Equal(measured):
			t.Errorf("%s sees reported link %+v, want up 2500000 at %v", who.name, got.LinkReported, measured)
		case got.LinkMeasured != nil || got.Quality.Checks != 0:
			t.Errorf("%s sees broker measurements %+v, %+v before any", who.name, got.LinkMeasured, got.Quality)
		}
	}
	if one, err := buyer.Node(m.ctx, n.ID); err != nil || one.OperatorID != "" || one.LoadBps != 50_000 {
		t.Errorf("buyer's GET node = %+v, %v; want the listing without the operator", one, err)
	}
	if one, err := op.Node(m.ctx, n.ID); err != nil || one.OperatorID == "" {
		t.Errorf("operator's GET node = %+v, %v; want its own operator ID shown", one, err)
	}
	_, err := buyer.Node(m.ctx, "nd_missing")
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)
	// At the owner's lease limit the node is listed, but takes no more.
	req.ActiveLeases = 4
	if _, err := op.Heartbeat(m.ctx, n.ID, req); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	if got := nodeByID(t, m, buyer, n.ID); got.Available || got.UnavailableReason != api.UnavailableLeaseLimit {
		t.Errorf("at the lease limit: available %v (%q), want false (%s)", got.Available, got.UnavailableReason, api.UnavailableLeaseLimit)
	}
	m.clock.Advance(2 * heartbeatTTL)
	if got := nodeByID(t, m, buyer, n.ID); got.Available || got.UnavailableReason != api.NodeOffline {
		t.Errorf("silent node: available %v (%q), want false (offline)", got.Available, got.UnavailableReason)
	}
}

func TestHeartbeatReportRejects(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	_, n := m.node(op, listing("DE", 3320, 1000))
	future := m.clock.Now().Add(time.Hour)
	tests := []struct {
		name string
		req  api.HeartbeatRequest
	}{
		{"negative load", api.HeartbeatRequest{LoadBps: -1}},
		{"negative leases", api.HeartbeatRequest{ActiveLeases: -1}},
		{"unknown reason", api.HeartbeatRequest{Unavailable: "tired"}},
		{"reset day 29", api.HeartbeatRequest{OwnerCaps: &api.OwnerCaps{QuotaResetDay: 29}}},
		{"negative cap", api.HeartbeatRequest{OwnerCaps: &api.OwnerCaps{MaxDownBps: -5}}},
		{"control characters", api.HeartbeatRequest{OwnerCaps: &api.OwnerCaps{Schedule: "mon\x00"}}},
		{"link in the future", api.HeartbeatRequest{Link: &api.Link{UpBps: 1, DownBps: 1, MeasuredAt: future}}},
		{"negative link", api.HeartbeatRequest{Link: &api.Link{UpBps: -1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := op.Heartbeat(m.ctx, n.ID, tt.req)
			wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
		})
	}
}

func TestUnavailableNodesAreNotMatched(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 1e9)
	_, paused := m.node(op, listing("DE", 3320, 1000))
	_, open := m.node(op, listing("DE", 3320, 1000))
	if _, err := op.Heartbeat(m.ctx, paused.ID, api.HeartbeatRequest{SpareBps: 1 << 20, Unavailable: api.UnavailablePaused}); err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	q, err := buyer.Quote(m.ctx, api.LeaseRequest{Exits: 2})
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	if q.AvailableExits != 1 {
		t.Errorf("quote counts %d exits, want 1 (the paused node takes no leases)", q.AvailableExits)
	}
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Exits: 2})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	if len(l.Exits) != 1 || l.Exits[0].NodeID != open.ID {
		t.Errorf("lease exits %+v, want only %s", l.Exits, open.ID)
	}
}

// quietLine is a line with nothing on it, so the prober runs.
type quietLine struct{}

func (quietLine) Snapshot() capacity.Snapshot {
	return capacity.Snapshot{LinkUpBps: 1 << 30, LinkDownBps: 1 << 30, At: time.Now()}
}

func TestLinkProbeIsMeasured(t *testing.T) {
	m := newMarket(t)
	_, opKey, op := m.account(api.KindOperator, "op")
	_, otherKey, _ := m.account(api.KindOperator, "other")
	_, n := m.node(op, listing("DE", 3320, 1000))
	prober := func(key string) *probe.Prober {
		p, err := probe.New(probe.Config{
			BaseURL: m.url + "/v1/nodes/" + n.ID, Line: quietLine{}, Client: m.http,
			Header:     http.Header{"Authorization": {"Bearer " + key}},
			StartBytes: 2 << 20, MaxBytes: 4 << 20, Target: time.Millisecond,
		}, zaptest.NewLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if _, err := prober(otherKey).Measure(m.ctx); err == nil {
		t.Fatal("another operator probed the node's line; want a refusal")
	}
	res, err := prober(opKey).Measure(m.ctx)
	if err != nil {
		t.Fatalf("measure: %v", err)
	}
	got := nodeByID(t, m, op, n.ID).LinkMeasured
	if got == nil || got.UpBps <= 0 || got.DownBps <= 0 || !got.MeasuredAt.Equal(m.clock.Now()) {
		t.Fatalf("link_measured = %+v after the node measured %+v; want both directions at %v", got, res, m.clock.Now())
	}
}

func TestExitChecks(t *testing.T) {
	m := newMarketWith(t, setup{config: func(c *broker.Config) { c.ExitCheckPrivate, c.ExitCheckTimeout = true, time.Second }})
	_, _, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 1e9)
	live := quicexittest.Start(t)
	req := listing("DE", 3320, 1000)
	req.QUICAddr = live.Addr
	if _, err := op.RegisterNode(m.ctx, live.Key.Private, req); err != nil {
		t.Fatalf("register live exit: %v", err)
	}
	dead := quicexittest.Start(t)
	req.QUICAddr = deadAddr(t)
	if _, err := op.RegisterNode(m.ctx, dead.Key.Private, req); err != nil {
		t.Fatalf("register dead exit: %v", err)
	}
	for range 3 {
		checked, err := m.broker.CheckExitsOnce(context.Background())
		if err != nil || checked != 2 {
			t.Fatalf("CheckExitsOnce = %d, %v; want 2 checked", checked, err)
		}
	}
	if q := nodeByID(t, m, buyer, live.NodeID()).Quality; q.Checks != 3 || q.CheckSuccesses != 3 || q.LatencyMicros <= 0 {
		t.Errorf("live exit quality %+v, want 3 of 3 checks with a latency", q)
	}
	if q := nodeByID(t, m, buyer, dead.NodeID()).Quality; q.Checks != 3 || q.CheckSuccesses != 0 {
		t.Errorf("dead exit quality %+v, want 0 of 3 checks", q)
	}
	// Both exits are alike in all but their measurements: the one that
	// answers is chosen, and the quote reports what was measured.
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	if len(l.Exits) != 1 || l.Exits[0].NodeID != live.NodeID() {
		t.Errorf("lease exits %+v, want the live exit %s", l.Exits, live.NodeID())
	}
	q, err := buyer.Quote(m.ctx, api.LeaseRequest{Exits: 2})
	if err != nil {
		t.Fatalf("quote: %v", err)
	}
	if q.Quality.SuccessRate != 0.5 || q.Quality.LatencyMillis < 0 {
		t.Errorf("quote quality %+v, want success rate 0.5 over both exits", q.Quality)
	}
}

func TestExitChecksStayOffPrivateAddresses(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	live := quicexittest.Start(t)
	req := listing("DE", 3320, 1000)
	req.QUICAddr = live.Addr
	if _, err := op.RegisterNode(m.ctx, live.Key.Private, req); err != nil {
		t.Fatalf("register: %v", err)
	}
	if _, err := m.broker.CheckExitsOnce(context.Background()); err != nil {
		t.Fatalf("CheckExitsOnce: %v", err)
	}
	if q := nodeByID(t, m, op, live.NodeID()).Quality; q.Checks != 1 || q.CheckSuccesses != 0 {
		t.Errorf("loopback exit quality %+v, want one failed check: brokers do not dial private addresses by default", q)
	}
}

// deadAddr is a loopback UDP address nobody listens on.
func deadAddr(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := c.LocalAddr().String()
	c.Close()
	return addr
}
