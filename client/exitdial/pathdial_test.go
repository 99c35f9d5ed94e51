package exitdial

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/sparelink/sparelink/client/exitdial/exitdialtest"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// opener is an OpenPath for tests: each path is a UDP socket of its own
// and an exitdialtest.Path in front of the exit, which the test can cut.
type opener struct {
	t    *testing.T
	exit string
	fail error

	mu    sync.Mutex
	paths []*exitdialtest.Path
}

func (o *opener) open(ctx context.Context) (net.PacketConn, net.Addr, error) {
	if o.fail != nil {
		o.mu.Lock()
		o.paths = append(o.paths, nil)
		o.mu.Unlock()
		return nil, nil, o.fail
	}
	p := exitdialtest.NewPath(o.t, o.exit)
	peer, err := net.ResolveUDPAddr("udp", p.Addr)
	if err != nil {
		return nil, nil, err
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	o.mu.Lock()
	o.paths = append(o.paths, p)
	o.mu.Unlock()
	return pc, peer, nil
}

func (o *opener) opened() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.paths)
}

func (o *opener) last() *exitdialtest.Path {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.paths[len(o.paths)-1]
}

// TestPathReopensAfterLoss runs an exit reached over opened paths next
// to a direct one: when its path dies the health checks find it dead,
// dials move to the other exit, and the next probe opens a new path.
func TestPathReopensAfterLoss(t *testing.T) {
	fastHandshake(t)
	o := newOrigin(t, false)
	a, b := quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr())
	op := &opener{t: t, exit: a.Addr}
	ea := exitOf(t, a)
	ea.Addr, ea.Path = "unreachable.invalid:1", op.open
	p := newPool(t, ea, exitOf(t, b))
	h := watch(t, p)
	c, err := p.DialExit(context.Background(), a.NodeID(), "tcp", o.addr())
	if err != nil {
		t.Fatalf("DialExit over the path: %v", err)
	}
	echoRoundTrip(t, c, "over the path")
	c.Close()
	if got := op.opened(); got != 1 {
		t.Fatalf("paths opened: got %d, want 1", got)
	}
	op.last().Cut()
	eventually(t, 3*time.Second, "the exit to be reported dead", func() bool { _, ok := h.diedAt(a.NodeID()); return ok })
	c, err = p.DialContext(context.Background(), "tcp", o.addr())
	if err != nil {
		t.Fatalf("dial after the loss: %v", err)
	}
	if got := c.(*Conn).ExitNodeID(); got != b.NodeID() {
		t.Errorf("dial after the loss: got exit %s, want %s", got, b.NodeID())
	}
	c.Close()
	eventually(t, 5*time.Second, "the exit to answer over a new path", func() bool {
		return len(p.Healthy()) == 2
	})
	if got := op.opened(); got < 2 {
		t.Errorf("paths opened: got %d, want at least 2", got)
	}
	c, err = p.DialExit(context.Background(), a.NodeID(), "tcp", o.addr())
	if err != nil {
		t.Fatalf("DialExit over the new path: %v", err)
	}
	echoRoundTrip(t, c, "over the new path")
	c.Close()
}

func TestPathOpenFailures(t *testing.T) {
	errNoPath := errors.New("no path today")
	o := newOrigin(t, false)
	a := quicexittest.Start(t, o.addr())
	tests := []struct {
		name  string
		dials int
		want  int // openings
	}{
		{"one dial", 1, 1},
		{"dials within the retry delay share the failure", 3, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := &opener{t: t, exit: a.Addr, fail: errNoPath}
			e := exitOf(t, a)
			e.Path = op.open
			d := newDialer(t, e)
			for i := range tt.dials {
				_, err := d.DialContext(context.Background(), "tcp", o.addr())
				if !errors.Is(err, ErrExitUnavailable) || !errors.Is(err, errNoPath) {
					t.Fatalf("dial %d: got %v, want ErrExitUnavailable wrapping the opener's error", i, err)
				}
			}
			if got := op.opened(); got != tt.want {
				t.Errorf("openings: got %d, want %d", got, tt.want)
			}
		})
	}
}

// TestPathClosedUnused checks that Close ends an opening under way and
// closes a path no handshake took.
func TestPathClosedUnused(t *testing.T) {
	checkGoroutines(t)
	started := make(chan struct{})
	var closedCtx error
	e := Exit{NodeID: "n_wait", Addr: "x:1", Path: func(ctx context.Context) (net.PacketConn, net.Addr, error) {
		close(started)
		<-ctx.Done()
		closedCtx = ctx.Err()
		return nil, nil, ctx.Err()
	}}
	d := New(e, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := d.DialContext(ctx, "tcp", "example.com:80"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("dial: got %v, want the caller's deadline", err)
	}
	<-started
	d.Close()
	if !errors.Is(closedCtx, context.Canceled) {
		t.Errorf("opening after Close: got %v, want it cancelled", closedCtx)
	}
}
