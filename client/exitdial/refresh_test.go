package exitdial

import (
	"context"
	"encoding/base64"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// leaseOf is the lease answer the broker would give for these exits.
func leaseOf(t *testing.T, servers ...*quicexittest.Server) *api.Lease {
	t.Helper()
	l := &api.Lease{ID: quicexittest.LeaseID, Status: api.LeaseActive}
	for _, s := range servers {
		l.Exits = append(l.Exits, api.Exit{NodeID: s.NodeID(), QUIC: &api.QUICExit{
			Addr: s.Addr, PublicKey: base64.StdEncoding.EncodeToString(s.Key.Public()), Token: s.Token(t, nil)}})
	}
	return l
}

// TestKeepFreshFollowsTheLease changes the lease KeepFresh reads, as the
// broker does when it tops a lease up with a replacement exit or drops
// one, and checks that the pool follows: the new exit carries
// connections, the dropped one gets none.
func TestKeepFreshFollowsTheLease(t *testing.T) {
	o := newOrigin(t, false)
	a, b, c := quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr())
	first, err := FromLease(leaseOf(t, a, b))
	if err != nil {
		t.Fatal(err)
	}
	p := newPool(t, first...)
	var mu sync.Mutex
	current := leaseOf(t, a, b)
	fetched := make(chan struct{}, 16)
	fetch := func(context.Context) (*api.Lease, error) {
		mu.Lock()
		defer mu.Unlock()
		select {
		case fetched <- struct{}{}:
		default:
		}
		return current, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); KeepFresh(ctx, p, fetch, 20*time.Millisecond, zaptest.NewLogger(t)) }()
	t.Cleanup(func() { cancel(); <-done })
	next := leaseOf(t, b, c) // a left the lease, c joined it
	mu.Lock()
	current = next
	for len(fetched) > 0 { // forget fetches of the old lease
		<-fetched
	}
	mu.Unlock()
	// KeepFresh fetches and updates in turn: once a second fetch of the
	// new lease began, the first one's update is done.
	for range 2 {
		<-fetched
	}
	var got []string
	for range 4 {
		conn, err := p.DialContext(context.Background(), "tcp", o.addr())
		if err != nil {
			t.Fatalf("dial after the lease changed: %v", err)
		}
		echoRoundTrip(t, conn, "fresh")
		got = append(got, conn.(*Conn).ExitNodeID())
		conn.Close()
	}
	if slices.Contains(got, a.NodeID()) || !slices.Contains(got, c.NodeID()) || !slices.Contains(got, b.NodeID()) {
		t.Errorf("exits used after the change: got %v, want %s and %s, never %s", got, b.NodeID(), c.NodeID(), a.NodeID())
	}
}
