package broker_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/identity"
)

func TestRegisterNode(t *testing.T) {
	m := newMarket(t)
	opA, _, a := m.account(api.KindOperator, "op a")
	_, _, b := m.account(api.KindOperator, "op b")
	key, n := m.node(a, listing("DE", 3320, 2_000_000))
	if n.ID != identity.NodeID(key.Public()) || n.OperatorID != opA.ID || n.Status != api.NodeOnline {
		t.Errorf("got node %+v, want ID %s of %s, online", n, identity.NodeID(key.Public()), opA.ID)
	}
	again, err := a.RegisterNode(m.ctx, key.Private, listing("DE", 3320, 3_000_000))
	if err != nil {
		t.Fatalf("re-register: %v", err)
	}
	if again.PriceMicrosPerGB != 3_000_000 || !again.CreatedAt.Equal(n.CreatedAt) {
		t.Errorf("got re-registered node %+v, want the new price and the first creation time", again)
	}
	_, err = b.RegisterNode(m.ctx, key.Private, listing("DE", 3320, 2_000_000))
	wantProblem(t, err, http.StatusConflict, api.CodeConflict)
}

func TestRegisterNodeValidation(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "validator")
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		modify func(*api.RegisterNodeRequest)
	}{
		{"lower-case country", func(r *api.RegisterNodeRequest) { r.Region.Country = "de" }},
		{"three-letter country", func(r *api.RegisterNodeRequest) { r.Region.Country = "DEU" }},
		{"subdivision of another country", func(r *api.RegisterNodeRequest) { r.Region.Subdivision = "FR-IDF" }},
		{"unknown connection type", func(r *api.RegisterNodeRequest) { r.ConnectionType = "satellite" }},
		{"no protocols", func(r *api.RegisterNodeRequest) { r.Protocols = nil }},
		{"unknown protocol", func(r *api.RegisterNodeRequest) { r.Protocols = []string{"gopher"} }},
		{"quic without address", func(r *api.RegisterNodeRequest) { r.QUICAddr = "" }},
		{"address without port", func(r *api.RegisterNodeRequest) { r.QUICAddr = "127.0.0.1" }},
		{"port zero", func(r *api.RegisterNodeRequest) { r.QUICAddr = "127.0.0.1:0" }},
		{"zero price", func(r *api.RegisterNodeRequest) { r.PriceMicrosPerGB = 0 }},
		{"negative capacity", func(r *api.RegisterNodeRequest) { r.CapacityBps = -1 }},
		{"negative asn", func(r *api.RegisterNodeRequest) { r.ASN = -1 }},
		{"control characters", func(r *api.RegisterNodeRequest) { r.Region.City = "Ber\x00lin" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := listing("DE", 3320, 1)
			req.Region.Subdivision = "DE-BE"
			tt.modify(&req)
			_, err := op.RegisterNode(m.ctx, key.Private, req)
			wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)
		})
	}
}

// signed builds a registration for key over challenge, signing msg.
func signed(key identity.Key, challenge string, msg []byte) api.RegisterNodeRequest {
	req := listing("NL", 1136, 1_000_000)
	req.PublicKey = base64.StdEncoding.EncodeToString(key.Public())
	req.Challenge = challenge
	req.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key.Private, msg))
	return req
}

func TestRegisterNodeProof(t *testing.T) {
	m := newMarket(t)
	_, opKey, op := m.account(api.KindOperator, "prover")
	_, otherKey, _ := m.account(api.KindOperator, "other")
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	stranger, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	fresh := func(c *client.Client) string {
		ch, err := c.NodeChallenge(m.ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ch.Challenge
	}
	good := func(ch string) []byte { return []byte(api.NodeRegistrationContext + ch) }
	tests := []struct {
		name   string
		key    string
		req    func() api.RegisterNodeRequest
		status int
		code   string
	}{
		{"valid", opKey, func() api.RegisterNodeRequest { ch := fresh(op); return signed(key, ch, good(ch)) }, http.StatusCreated, ""},
		{"signature without context", opKey, func() api.RegisterNodeRequest { ch := fresh(op); return signed(key, ch, []byte(ch)) },
			http.StatusUnauthorized, api.CodeUnauthorized},
		{"signed by another key", opKey, func() api.RegisterNodeRequest {
			ch := fresh(op)
			req := signed(stranger, ch, good(ch))
			req.PublicKey = base64.StdEncoding.EncodeToString(key.Public())
			return req
		}, http.StatusUnauthorized, api.CodeUnauthorized},
		{"expired challenge", opKey, func() api.RegisterNodeRequest {
			ch := fresh(op)
			m.clock.Advance(6 * time.Minute)
			return signed(key, ch, good(ch))
		}, http.StatusUnauthorized, api.CodeUnauthorized},
		{"challenge of another operator", otherKey, func() api.RegisterNodeRequest { ch := fresh(op); return signed(stranger, ch, good(ch)) },
			http.StatusUnauthorized, api.CodeUnauthorized},
		{"forged challenge", opKey, func() api.RegisterNodeRequest {
			ch := "c1.AAAAAAAAAAAAAAAAAAAAAA.99999999999.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			return signed(key, ch, good(ch))
		}, http.StatusUnauthorized, api.CodeUnauthorized},
		{"malformed challenge", opKey, func() api.RegisterNodeRequest { return signed(key, "nonsense", good("nonsense")) },
			http.StatusBadRequest, api.CodeInvalidRequest},
		{"short public key", opKey, func() api.RegisterNodeRequest {
			ch := fresh(op)
			req := signed(key, ch, good(ch))
			req.PublicKey = "AAAA"
			return req
		}, http.StatusBadRequest, api.CodeInvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := m.rawJSON(http.MethodPost, "/v1/nodes", tt.key, tt.req())
			if resp.status != tt.status {
				t.Fatalf("got status %d (%s), want %d", resp.status, resp.body, tt.status)
			}
			if tt.code != "" {
				if p := resp.problem(t); p.Code != tt.code {
					t.Errorf("got code %s, want %s", p.Code, tt.code)
				}
			}
		})
	}
}

func TestHeartbeatsAndOnline(t *testing.T) {
	m := newMarket(t)
	_, _, a := m.account(api.KindOperator, "beats a")
	_, _, b := m.account(api.KindOperator, "beats b")
	_, buyer := m.buyer("beats buyer", 0)
	_, live := m.node(a, listing("FR", 3215, 1_000_000))
	_, quiet := m.node(a, listing("FR", 3215, 1_000_000))

	_, err := b.Heartbeat(m.ctx, live.ID, api.HeartbeatRequest{SpareBps: 10})
	wantProblem(t, err, http.StatusForbidden, api.CodeForbidden)
	_, err = a.Heartbeat(m.ctx, "nd_missing", api.HeartbeatRequest{SpareBps: 10})
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)
	_, err = a.Heartbeat(m.ctx, live.ID, api.HeartbeatRequest{SpareBps: -1})
	wantProblem(t, err, http.StatusBadRequest, api.CodeInvalidRequest)

	m.clock.Advance(heartbeatTTL / 2)
	hb, err := a.Heartbeat(m.ctx, live.ID, api.HeartbeatRequest{SpareBps: 4096})
	if err != nil {
		t.Fatalf("heartbeat: %v", err)
	}
	if hb.NodeID != live.ID || hb.Status != api.NodeOnline || hb.NextHeartbeatSeconds != 10 {
		t.Errorf("got heartbeat answer %+v, want online, next in 10s", hb)
	}
	m.clock.Advance(heartbeatTTL/2 + time.Second)

	online, err := buyer.Nodes(m.ctx, client.NodeQuery{Country: "FR", Online: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(online.Nodes) != 1 || online.Nodes[0].ID != live.ID || online.Nodes[0].SpareBps != 4096 {
		t.Fatalf("got online nodes %+v, want only %s with 4096 spare", online.Nodes, live.ID)
	}
	if online.Nodes[0].OperatorID != "" {
		t.Errorf("buyer sees operator %q, want none", online.Nodes[0].OperatorID)
	}
	all, err := a.Nodes(m.ctx, client.NodeQuery{Country: "FR"})
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, n := range all.Nodes {
		status[n.ID] = n.Status
		if n.OperatorID == "" {
			t.Errorf("operator does not see itself on its node %s", n.ID)
		}
	}
	if status[live.ID] != api.NodeOnline || status[quiet.ID] != api.NodeOffline {
		t.Errorf("got statuses %v, want %s online and %s offline", status, live.ID, quiet.ID)
	}
	q, err := buyer.Quote(m.ctx, api.LeaseRequest{Coverage: api.Coverage{Country: "FR"}, Exits: 2, MaxBytes: 1e9})
	if err != nil {
		t.Fatal(err)
	}
	if q.AvailableExits != 1 {
		t.Errorf("quote counts %d exits, want 1: the silent node is out of matching", q.AvailableExits)
	}
}
