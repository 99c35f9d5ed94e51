package broker_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker"
	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
)

// poll is one control-channel long poll's answer or error.
type poll struct {
	batch *api.CommandBatch
	err   error
}

// startPoll long-polls the node's commands in the background.
func startPoll(m *market, c *client.Client, nodeID string, after int64, wait time.Duration) <-chan poll {
	out := make(chan poll, 1)
	go func() {
		b, err := c.NodeCommands(m.ctx, nodeID, after, wait)
		out <- poll{b, err}
	}()
	return out
}

// wantRevoke checks that a poll delivered exactly one revocation of
// leaseID and returns the cursor after it.
func wantRevoke(t *testing.T, p poll, leaseID string) int64 {
	t.Helper()
	if p.err != nil {
		t.Fatalf("poll: %v", p.err)
	}
	if len(p.batch.Commands) != 1 || p.batch.Commands[0].Type != api.CommandRevoke {
		t.Fatalf("poll answered %+v, want one revoke command", p.batch.Commands)
	}
	var r api.Revocation
	if err := json.Unmarshal(p.batch.Commands[0].Data, &r); err != nil || r.LeaseID != leaseID || r.Until.IsZero() {
		t.Fatalf("revoke data %s (%v), want lease %s with an end", p.batch.Commands[0].Data, err, leaseID)
	}
	if p.batch.Next != p.batch.Commands[0].ID {
		t.Errorf("next %d, want the command's ID %d", p.batch.Next, p.batch.Commands[0].ID)
	}
	return p.batch.Next
}

func TestControlChannel(t *testing.T) {
	m := newMarket(t)
	_, opKey, op := m.account(api.KindOperator, "op")
	_, _, other := m.account(api.KindOperator, "other")
	_, buyer := m.buyer("buyer", 1e9)
	_, n := m.node(op, listing("DE", 3320, 1000))

	first, err := op.NodeCommands(m.ctx, n.ID, 0, 0)
	if err != nil {
		t.Fatalf("first poll: %v", err)
	}
	if len(first.Commands) != 0 || first.Next != 0 || first.WaitSeconds <= 0 {
		t.Fatalf("first poll %+v, want no commands, next 0 and a wait to use", first)
	}
	waiting := startPoll(m, op, n.ID, 0, 20*time.Second)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	if _, err := buyer.CloseLease(m.ctx, l.ID); err != nil {
		t.Fatalf("close lease: %v", err)
	}
	next := wantRevoke(t, <-waiting, l.ID)

	// Asking past a command acknowledges it.
	again, err := op.NodeCommands(m.ctx, n.ID, next, 0)
	if err != nil || len(again.Commands) != 0 || again.Next != next {
		t.Errorf("poll after the ack: %+v, %v; want nothing new and next %d", again, err, next)
	}
	redo, err := op.NodeCommands(m.ctx, n.ID, 0, 0)
	if err != nil || len(redo.Commands) != 0 {
		t.Errorf("poll from the start after the ack: %+v, %v; want the command gone", redo, err)
	}

	_, err = other.NodeCommands(m.ctx, n.ID, 0, 0)
	wantProblem(t, err, http.StatusForbidden, api.CodeForbidden)
	_, err = op.NodeCommands(m.ctx, "nd_missing", 0, 0)
	wantProblem(t, err, http.StatusNotFound, api.CodeNotFound)
	for _, q := range []string{"after=-1", "after=x", "wait=26", "wait=-1", "wait=1.5"} {
		req, err := http.NewRequestWithContext(m.ctx, http.MethodGet, m.url+"/v1/nodes/"+n.ID+"/commands?"+q, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+opKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("GET commands?%s: %v", q, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Content-Type") != api.ProblemContentType {
			t.Errorf("GET commands?%s: got %d %s, want 400 problem", q, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
}

// TestControlChannelAcrossReplicas polls one broker while another,
// sharing its store, closes the lease: the waiting poll finds the command
// through the store.
func TestControlChannelAcrossReplicas(t *testing.T) {
	m := newMarket(t)
	_, opKey, op := m.account(api.KindOperator, "op")
	_, buyer := m.buyer("buyer", 1e9)
	_, n := m.node(op, listing("DE", 3320, 1000))
	second, err := broker.New(broker.Config{FeeBPS: feeBPS, HeartbeatTTL: heartbeatTTL, Now: m.clock.Now}, m.store, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("second broker: %v", err)
	}
	srv := httptest.NewServer(second.Handler())
	t.Cleanup(srv.Close)
	opOnSecond := client.New(srv.URL, opKey, client.WithHTTPClient(m.http))
	waiting := startPoll(m, opOnSecond, n.ID, 0, 20*time.Second)
	l, err := buyer.CreateLease(m.ctx, "", api.LeaseRequest{})
	if err != nil {
		t.Fatalf("create lease: %v", err)
	}
	if _, err := buyer.CloseLease(m.ctx, l.ID); err != nil {
		t.Fatalf("close lease: %v", err)
	}
	wantRevoke(t, <-waiting, l.ID)
}
