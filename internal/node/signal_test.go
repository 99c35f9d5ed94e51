package node_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/relay/punch/punchtest"
)

// TestTraversalRefusesWhenBusy fills a traversal that takes one path at
// a time: the first offer is answered, the second refused, and Close
// ends the pending checks at once.
func TestTraversalRefusesWhenBusy(t *testing.T) {
	m := newMarket(t)
	op := m.operator()
	cfg := config(t, op)
	var tr *node.Traversal
	cfg.Commands = func(ctx context.Context, c api.Command) error { return tr.Handle(ctx, c) }
	n := start(t, cfg)
	tr = node.NewTraversal(n, node.TraversalConfig{Punch: punchtest.Config(), MaxPaths: 1}, zaptest.NewLogger(t))
	stop := run(t, n)
	buyer := m.Buyer()
	l := buyLease(t, buyer, testListing.Region.Country)
	offer := api.ICEDescription{Ufrag: "bUfr", Pwd: "buyer-password-0123456789",
		Candidates: []string{"candidate:1 1 udp 2130706431 192.0.2.10 40000 typ host"}}
	cases := []struct {
		name     string
		wantCode string // empty: an answer
	}{
		{"first offer", ""},
		{"second offer while the first is checked", api.CodeSignalRefused},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := buyer.Signal(context.Background(), l.ID, n.ID(), api.SignalRequest{Offer: offer})
			var e *client.Error
			switch {
			case tc.wantCode == "" && (err != nil || res.Answer.Ufrag == ""):
				t.Fatalf("got %+v, %v; want an answer", res, err)
			case tc.wantCode != "" && (!errors.As(err, &e) || e.Code != tc.wantCode || e.Status != http.StatusBadGateway):
				t.Fatalf("got %+v, %v; want a 502 %s", res, err, tc.wantCode)
			}
		})
	}
	closed := make(chan struct{})
	go func() { tr.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end the pending checks")
	}
	if st := tr.Status(); st.Paths != 0 || st.Punched != 0 {
		t.Errorf("status after Close: %+v, want no paths", st)
	}
	if err := stop(); err != nil {
		t.Errorf("Run: %v", err)
	}
}
