package natlab

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/reach"
	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store/sqlite"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/natdial"
	"github.com/sparelink/sparelink/internal/nattest"
	"github.com/sparelink/sparelink/relay/punch"
)

const bodyLen = 300_000

func logger(t *testing.T) *zap.Logger { return zaptest.NewLogger(t, zaptest.Level(zap.InfoLevel)) }

// inetRole runs the internet's servers and keeps the relay's meter in
// relay-meter.json until it is killed.
func inetRole(t *testing.T, dir string) {
	ctx := context.Background()
	log := logger(t)
	st, err := sqlite.Open(ctx, sqlite.Config{Path: filepath.Join(dir, "broker.db")}, log)
	if err != nil {
		t.Fatalf("natlab: store: %v", err)
	}
	b, err := broker.New(broker.Config{}, st, log.Named("broker"))
	if err != nil {
		t.Fatalf("natlab: broker: %v", err)
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("%s:%d", internetAddr, brokerPort))
	if err != nil {
		t.Fatalf("natlab: listen: %v", err)
	}
	go http.Serve(ln, b.Handler())
	url := "http://" + ln.Addr().String()
	adminKey, _, err := b.EnsureAdmin(ctx, "root")
	if err != nil {
		t.Fatalf("natlab: admin: %v", err)
	}
	admin := client.New(url, adminKey)
	info := inetInfo{URL: url, BodyLen: bodyLen,
		STUN: fmt.Sprintf("%s:%d", internetAddr, stunPort), STUNAlt: fmt.Sprintf("%s:%d", internetAddr, stunAltPort)}
	info.OperatorKey = account(t, admin, api.KindOperator, 0)
	info.BuyerKey = account(t, admin, api.KindBuyer, 100_000_000)
	stunSrv, err := broker.ListenSTUN(broker.STUNConfig{Listen: info.STUN, AltListen: info.STUNAlt}, log)
	if err != nil {
		t.Fatalf("natlab: STUN: %v", err)
	}
	defer stunSrv.Close()
	info.Canary = canary(t, fmt.Sprintf("%s:%d", internetAddr, canaryPort))
	relay, relayNode := nattest.StartRelay(t, client.New(url, info.OperatorKey), fmt.Sprintf("%s:%d", internetAddr, relayPort),
		nattest.Options{Country: "NL", ListenQUIC: internetAddr + ":0"})
	info.RelayID = relayNode.ID()
	for relayNode.Traversal.Status().Reach.Code != api.ReachPublic {
		time.Sleep(20 * time.Millisecond)
	}
	writeJSON(t, dir, "inet.json", info)
	for {
		writeJSON(t, dir, "relay-meter.json", relayMeter(relay.Meter().Snapshot()))
		time.Sleep(100 * time.Millisecond)
	}
}

// account makes an account and returns a key for it.
func account(t *testing.T, admin *client.Client, kind string, credit int64) string {
	ctx := context.Background()
	a, err := admin.CreateAccount(ctx, api.CreateAccountRequest{Kind: kind, Name: "natlab " + kind})
	if err != nil {
		t.Fatalf("natlab: account: %v", err)
	}
	k, err := admin.CreateKey(ctx, api.CreateKeyRequest{AccountID: a.ID})
	if err != nil {
		t.Fatalf("natlab: key: %v", err)
	}
	if credit > 0 {
		if _, err := admin.Credit(ctx, "fund-"+a.ID, a.ID, credit); err != nil {
			t.Fatalf("natlab: credit: %v", err)
		}
	}
	return k.Key
}

// canary serves bodyLen bytes to every connection on addr.
func canary(t *testing.T, addr string) string {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("natlab: canary: %v", err)
	}
	body := bytes.Repeat([]byte("natlab "), bodyLen/7+1)[:bodyLen]
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = c.Write(body) }()
		}
	}()
	return addr
}

func iceConfig(info inetInfo) punch.Config {
	return punch.Config{ICEServers: []webrtc.ICEServer{{URLs: []string{"stun:" + info.STUN}}},
		Interfaces: []string{"eth0"}, ConnectTimeout: 6 * time.Second}
}

// agentRole checks the NAT, runs a node with traversal behind it and
// reports; it runs until it is killed.
func agentRole(t *testing.T, dir, name string) {
	var info inetInfo
	readJSON(t, dir, "inet.json", time.Minute, &info)
	log := logger(t)
	var country string
	for _, a := range agents {
		if a.router.name == name {
			country = a.country
		}
	}
	checker := reach.New(reach.Config{Interfaces: []string{"eth0"}, STUNServer: info.STUN, STUNAltServer: info.STUNAlt,
		Timeout: time.Second}, log)
	report := checker.Check(context.Background())
	n := nattest.StartNode(t, client.New(info.URL, info.OperatorKey), nattest.Options{
		Country: country, Allow: []string{info.Canary}, Punch: iceConfig(info),
		Reach: report.Reachability(), ListenQUIC: "0.0.0.0:0"})
	nattest.WaitRelayed(t, n)
	writeJSON(t, dir, "agent-"+name+".json", agentInfo{NodeID: n.ID(), Reach: report.Reachability()})
	select {}
}

// buyerRole reaches every agent and writes what happened.
func buyerRole(t *testing.T, dir string) {
	var info inetInfo
	readJSON(t, dir, "inet.json", time.Minute, &info)
	buyer := client.New(info.URL, info.BuyerKey)
	var results []buyerResult
	for _, a := range agents {
		var ai agentInfo
		readJSON(t, dir, "agent-"+a.router.name+".json", time.Minute, &ai)
		direct := reachAgent(t, buyer, info, ai, a.country)
		direct.Agent, direct.Via = a.router.name, viaNatdial
		gw := reachViaGateway(t, buyer, info, ai, a.country)
		gw.Agent = a.router.name
		results = append(results, direct, gw)
	}
	writeJSON(t, dir, "buyer.json", results)
}

func reachAgent(t *testing.T, buyer *client.Client, info inetInfo, ai agentInfo, country string) buyerResult {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	l, err := buyer.CreateLease(ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: country}, Protocols: []string{api.ProtocolQUIC}, Exits: 1})
	if err != nil {
		return buyerResult{Err: "lease: " + err.Error()}
	}
	exits, err := exitdial.FromLease(l)
	if err != nil || len(exits) != 1 || exits[0].NodeID != ai.NodeID {
		return buyerResult{Err: fmt.Sprintf("lease exits %+v, %v", exits, err)}
	}
	var relay *api.RelayRoute
	if list, err := buyer.Nodes(ctx, client.NodeQuery{Country: country}); err == nil {
		for _, n := range list.Nodes {
			if n.ID == ai.NodeID && n.Reachability != nil {
				relay = n.Reachability.Relay
			}
		}
	}
	p, err := natdial.Dial(ctx, natdial.Config{Broker: buyer, LeaseID: l.ID, Exit: exits[0], Punch: iceConfig(info), Relay: relay}, logger(t))
	if err != nil {
		return buyerResult{Err: "natdial: " + err.Error()}
	}
	defer p.Close()
	r := buyerResult{Kind: p.Kind, Pair: p.Pair}
	c, err := p.Dialer.DialContext(ctx, "tcp", info.Canary)
	if err != nil {
		r.Err = "dial canary: " + err.Error()
		return r
	}
	got, err := io.Copy(io.Discard, c)
	c.Close()
	r.Got = int(got)
	if err != nil {
		r.Err = "read canary: " + err.Error()
	}
	r.UsageDown = settled(ctx, buyer, l.ID, int64(info.BodyLen))
	return r
}

// settled waits for the broker to settle want bytes down for the lease
// and returns what it settled.
func settled(ctx context.Context, buyer *client.Client, leaseID string, want int64) int64 {
	var down int64
	for ctx.Err() == nil {
		u, err := buyer.Usage(ctx, leaseID)
		if err == nil {
			down = 0
			for _, e := range u.Exits {
				down += e.BytesDown
			}
			if down >= want {
				return down
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return down
}
