package broker_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

// testOffer is a well-formed ICE description; the broker does not parse
// candidates, the peers do.
var testOffer = api.ICEDescription{Ufrag: "bUfr", Pwd: "buyer-password-0123456789",
	Candidates: []string{"candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host"}}

// answerSignals plays the node: it polls the control channel and answers
// each signal command with answer (or refuses with refuse), and reports
// the offers it saw.
func answerSignals(m *market, op *client.Client, nodeID string, answer *api.ICEDescription, refuse string) <-chan api.SignalOffer {
	seen := make(chan api.SignalOffer, 1)
	go func() {
		b, err := op.NodeCommands(m.ctx, nodeID, 0, 10*time.Second)
		if err != nil || len(b.Commands) == 0 || b.Commands[0].Type != api.CommandSignal {
			close(seen)
			return
		}
		var o api.SignalOffer
		if json.Unmarshal(b.Commands[0].Data, &o) != nil {
			close(seen)
			return
		}
		_ = op.AnswerSignal(m.ctx, nodeID, api.SignalAnswer{SignalID: o.SignalID, Answer: answer, Error: refuse})
		seen <- o
	}()
	return seen
}

func TestSignalExchange(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 1e9)
	_, n := m.node(op, listing("DE", 3320, 1000))
	relayListing := listing("DE", 3320, 1000)
	relayListing.ConnectionType = api.ConnBusiness
	_, relay := m.node(op, relayListing)
	if _, err := op.ReportReachability(m.ctx, relay.ID, api.Reachability{Code: api.ReachPublic, Forwarder: "192.0.2.1:3479"}); err != nil {
		t.Fatalf("relay report: %v", err)
	}
	got, err := op.ReportReachability(m.ctx, n.ID, api.Reachability{Code: api.ReachBehindNAT,
		NAT: &api.NATBehavior{Mapping: api.NATAddressDependent, Filtering: api.NATAddressDependent}})
	if err != nil || got.Relay == nil || got.Relay.NodeID != relay.ID {
		t.Fatalf("node report: got %+v, %v; want relay %s", got, err, relay.ID)
	}
	wantPaths(t, m, op, map[string]string{n.ID: api.PathPunch, relay.ID: api.PathDirect})
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}, Exits: 2})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	for _, e := range l.Exits {
		wantSignal := "/v1/leases/" + l.ID + "/exits/" + n.ID + "/signal"
		switch {
		case e.NodeID == n.ID && (e.Traversal == nil || e.Traversal.Signal != wantSignal || e.Traversal.Relay == nil):
			t.Errorf("NAT'd exit: got traversal %+v, want signal %s and a relay", e.Traversal, wantSignal)
		case e.NodeID == relay.ID && e.Traversal != nil:
			t.Errorf("public exit: got traversal %+v, want none", e.Traversal)
		}
	}
	answer := api.ICEDescription{Ufrag: "nUfr", Pwd: "node-password-0123456789", Candidates: []string{}}
	seen := answerSignals(m, op, n.ID, &answer, "")
	res, err := buyer.Signal(m.ctx, l.ID, n.ID, api.SignalRequest{Offer: testOffer})
	if err != nil {
		t.Fatalf("signal: %v", err)
	}
	offer := <-seen
	if offer.LeaseID != l.ID || offer.Offer.Ufrag != testOffer.Ufrag || offer.SignalID != res.SignalID {
		t.Errorf("node got offer %+v, want lease %s, ufrag %s, signal %s", offer, l.ID, testOffer.Ufrag, res.SignalID)
	}
	if res.Answer.Ufrag != answer.Ufrag || res.Relay == nil || res.Relay.Addr != "192.0.2.1:3479" {
		t.Errorf("buyer got %+v, want the node's answer and relay 192.0.2.1:3479", res)
	}
	err = op.AnswerSignal(m.ctx, n.ID, api.SignalAnswer{SignalID: res.SignalID, Answer: &answer})
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)
}

func TestSignalRefusals(t *testing.T) {
	defer broker.SetSignalTimeout(time.Second)()
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 1e9)
	_, n := m.node(op, listing("DE", 3320, 1000))
	_, spare := m.node(op, listing("FR", 3215, 1000))
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{Coverage: api.Coverage{Country: "DE"}})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	bad := testOffer
	bad.Pwd = "has space"
	cases := []struct {
		name    string
		lease   string
		node    string
		offer   api.ICEDescription
		refuse  string // the node's refusal; empty: the node is silent
		status  int
		code    string
		answers bool
	}{
		{"malformed offer", l.ID, n.ID, bad, "", http.StatusBadRequest, api.CodeInvalidRequest, false},
		{"exit not in the lease", l.ID, spare.ID, testOffer, "", http.StatusNotFound, api.CodeNotFound, false},
		{"unknown lease", "ls_missing", n.ID, testOffer, "", http.StatusNotFound, api.CodeNotFound, false},
		{"node refuses", l.ID, n.ID, testOffer, "busy", http.StatusBadGateway, api.CodeSignalRefused, true},
		{"node silent", l.ID, n.ID, testOffer, "", http.StatusGatewayTimeout, api.CodeSignalTimeout, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.answers {
				answerSignals(m, op, n.ID, nil, tc.refuse)
				time.Sleep(50 * time.Millisecond) // let the poll start waiting
			}
			_, err := buyer.Signal(m.ctx, tc.lease, tc.node, api.SignalRequest{Offer: tc.offer})
			wantProblem(t, err, tc.status, tc.code)
		})
	}
	if _, err := buyer.CloseLease(m.ctx, l.ID); err != nil {
		t.Fatal(err)
	}
	_, err = buyer.Signal(m.ctx, l.ID, n.ID, api.SignalRequest{Offer: testOffer})
	wantProblem(t, err, http.StatusConflict, api.CodeConflict)
}

func TestReachabilityReports(t *testing.T) {
	m := newMarket(t)
	_, _, op := m.account(api.KindOperator, "op")
	_, _, other := m.account(api.KindOperator, "other")
	_, n := m.node(op, listing("DE", 3320, 1000))
	cases := []struct {
		name   string
		c      *client.Client
		node   string
		report api.Reachability
		status int
	}{
		{"public node", op, n.ID, api.Reachability{Code: api.ReachPublic, MappedAddr: "198.51.100.7:4433"}, http.StatusOK},
		{"unknown verdict", op, n.ID, api.Reachability{Code: "teleport"}, http.StatusBadRequest},
		{"bad NAT behaviour", op, n.ID, api.Reachability{Code: api.ReachBehindNAT, NAT: &api.NATBehavior{Mapping: "cone", Filtering: "cone"}}, http.StatusBadRequest},
		{"forwarder not ip:port", op, n.ID, api.Reachability{Code: api.ReachPublic, Forwarder: "relay.example"}, http.StatusBadRequest},
		{"another operator's node", other, n.ID, api.Reachability{Code: api.ReachPublic}, http.StatusForbidden},
		{"forwarder on a home line", op, n.ID, api.Reachability{Code: api.ReachPublic, Forwarder: "192.0.2.1:3479"}, http.StatusForbidden},
		{"unknown node", op, "nd_missing", api.Reachability{Code: api.ReachPublic}, http.StatusNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ans, err := tc.c.ReportReachability(m.ctx, tc.node, tc.report)
			if tc.status == http.StatusOK {
				if err != nil || ans.Relay != nil {
					t.Fatalf("got %+v, %v; want no relay for a public node", ans, err)
				}
				return
			}
			var e *client.Error
			if !errors.As(err, &e) || e.Status != tc.status {
				t.Fatalf("got %v, want status %d", err, tc.status)
			}
		})
	}
}

// wantPaths checks how the listing says buyers reach each node.
func wantPaths(t *testing.T, m *market, c *client.Client, want map[string]string) {
	t.Helper()
	list, err := c.Nodes(m.ctx, client.NodeQuery{})
	if err != nil {
		t.Fatalf("list nodes: %v", err)
	}
	for _, n := range list.Nodes {
		w, ok := want[n.ID]
		if !ok {
			continue
		}
		if n.Reachability == nil || n.Reachability.Path != w {
			t.Errorf("node %s: got reachability %+v, want path %s", n.ID, n.Reachability, w)
		}
		if w == api.PathPunch && (n.Reachability == nil || n.Reachability.Relay == nil) {
			t.Errorf("node %s: got no relay in the listing, want one", n.ID)
		}
	}
}
