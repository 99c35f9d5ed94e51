package gateway

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/exitdial/exitdialtest"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// testExit is a real QUIC exit on loopback, reached through a path the
// test can cut.
type testExit struct {
	*quicexittest.Server
	path *exitdialtest.Path
}

// exitSet starts n exits whose egress allows the given destinations, and
// a health-checked pool over them that is closed when the test ends.
type exitSet struct {
	exits []*testExit
	pool  *exitdial.Pool
	rec   *recorder
	mu    sync.Mutex
	dead  map[string]time.Time // when the health checks found each exit dead
}

func startExits(t *testing.T, n int, allow ...string) *exitSet {
	t.Helper()
	s := &exitSet{dead: map[string]time.Time{}}
	var list []exitdial.Exit
	for range n {
		srv := quicexittest.Start(t, allow...)
		x := &testExit{Server: srv, path: exitdialtest.NewPath(t, srv.Addr)}
		s.exits = append(s.exits, x)
		list = append(list, exitdial.Exit{NodeID: srv.NodeID(), Addr: x.path.Addr, PublicKey: srv.Key.Public(), Token: srv.Token(t, nil)})
	}
	s.pool = exitdial.NewPool(list, zaptest.NewLogger(t).Named("pool"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.pool.Watch(ctx, exitdial.HealthConfig{OnChange: s.changed})
	}()
	t.Cleanup(func() { cancel(); <-done; s.pool.Close() })
	s.rec = &recorder{ExitDialer: s.pool, bytes: map[string]*exitBytes{}}
	return s
}

func (s *exitSet) changed(id string, healthy bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !healthy {
		s.dead[id] = time.Now()
	}
}

func (s *exitSet) diedAt(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.dead[id]
	return at, ok
}

// recorder is the pool as the gateway sees it, noting which exit carried
// each connection, when it was dialled and how many bytes crossed it.
type recorder struct {
	ExitDialer
	mu    sync.Mutex
	dials []dialRecord
	bytes map[string]*exitBytes
}

type dialRecord struct {
	exit string
	at   time.Time
}

// exitBytes is what the gateway side sent and received through one exit.
type exitBytes struct{ up, down atomic.Int64 }

func (r *recorder) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return r.note(r.ExitDialer.DialContext(ctx, network, address))
}

func (r *recorder) DialExit(ctx context.Context, exit, network, address string) (net.Conn, error) {
	return r.note(r.ExitDialer.DialExit(ctx, exit, network, address))
}

func (r *recorder) note(c net.Conn, err error) (net.Conn, error) {
	if err != nil {
		return nil, err
	}
	id := exitOf(c)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dials = append(r.dials, dialRecord{exit: id, at: time.Now()})
	b := r.bytes[id]
	if b == nil {
		b = &exitBytes{}
		r.bytes[id] = b
	}
	return &countedConn{Conn: c, b: b}, nil
}

func (r *recorder) records() []dialRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]dialRecord(nil), r.dials...)
}

func (r *recorder) sent(exit string) (up, down int64) {
	r.mu.Lock()
	b := r.bytes[exit]
	r.mu.Unlock()
	if b == nil {
		return 0, 0
	}
	return b.up.Load(), b.down.Load()
}

// countedConn counts what crosses an exit's connection, keeping its
// ExitNodeID and CloseWrite visible to the gateway.
type countedConn struct {
	net.Conn
	b *exitBytes
}

func (c *countedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.b.down.Add(int64(n))
	return n, err
}

func (c *countedConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.b.up.Add(int64(n))
	return n, err
}

func (c *countedConn) ExitNodeID() string { return exitOf(c.Conn) }

func (c *countedConn) CloseWrite() error {
	if hc, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return hc.CloseWrite()
	}
	return errNoHalfClose
}
