package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	psnet "github.com/shirou/gopsutil/v3/net"
	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/agent/capacity"
)

// homeLine is a real capacity sampler over interface counters that the
// test sets: busyBps of household upload, or a quiet line.
func homeLine(t *testing.T, busyBps int64) *capacity.Sampler {
	t.Helper()
	var mu sync.Mutex
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var sent uint64
	s := capacity.New(capacity.Config{
		LinkUpBps: 10e6, LinkDownBps: 10e6,
		Counters: func(context.Context) ([]psnet.IOCountersStat, error) {
			mu.Lock()
			defer mu.Unlock()
			return []psnet.IOCountersStat{{Name: "eth0", BytesSent: sent}}, nil
		},
		Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
	}, zaptest.NewLogger(t))
	for range 2 {
		if err := s.Sample(context.Background()); err != nil {
			t.Fatalf("sample: %v", err)
		}
		mu.Lock()
		now = now.Add(time.Second)
		sent += uint64(busyBps)
		mu.Unlock()
	}
	if err := s.Sample(context.Background()); err != nil {
		t.Fatalf("sample: %v", err)
	}
	return s
}

// server is a probe server on loopback whose connections may be shaped to
// a byte rate in each direction, and which counts requests.
type server struct {
	url      string
	requests atomic.Int64
}

func newServer(t *testing.T, cfg HandlerConfig, bps int64) *server {
	t.Helper()
	s := &server{}
	h := NewHandler(cfg, zaptest.NewLogger(t).Named("probe-server"))
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	if bps > 0 {
		ts.Listener = &shapedListener{Listener: ts.Listener, bps: bps}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// shapedListener paces every accepted connection to bps each way, the
// way a slow line would.
type shapedListener struct {
	net.Listener
	bps int64
}

func (l *shapedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &shapedConn{Conn: c, read: newPace(l.bps), write: newPace(l.bps)}, nil
}

type shapedConn struct {
	net.Conn
	read, write *pace
}

func (c *shapedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b[:min(len(b), 16<<10)])
	c.read.spend(n)
	return n, err
}

func (c *shapedConn) Write(b []byte) (int, error) {
	var total int
	for len(b) > 0 {
		k := min(len(b), 16<<10)
		c.write.spend(k)
		n, err := c.Conn.Write(b[:k])
		total += n
		if err != nil {
			return total, err
		}
		b = b[k:]
	}
	return total, nil
}

// pace sleeps so that the bytes spent never run ahead of bps, with at
// most paceBurst of credit saved up while the connection was idle.
type pace struct {
	mu    sync.Mutex
	bps   int64
	start time.Time
	spent int64
}

const paceBurst = 20 * time.Millisecond

func newPace(bps int64) *pace { return &pace{bps: bps} }

func (p *pace) spend(n int) {
	p.mu.Lock()
	now := time.Now()
	if p.start.IsZero() || now.Sub(p.due()) > paceBurst {
		p.start, p.spent = now.Add(-paceBurst), 0
	}
	p.spent += int64(n)
	due := p.due()
	p.mu.Unlock()
	time.Sleep(time.Until(due))
}

func (p *pace) due() time.Time {
	return p.start.Add(time.Duration(float64(p.spent) / float64(p.bps) * float64(time.Second)))
}

// newUnsampled is a sampler that has not taken a sample yet.
func newUnsampled(t *testing.T) *capacity.Sampler {
	t.Helper()
	return capacity.New(capacity.Config{}, zaptest.NewLogger(t))
}
