package exitdial

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

func newPool(t *testing.T, exits ...Exit) *Pool {
	t.Helper()
	p := NewPool(exits, zaptest.NewLogger(t))
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPoolRoundRobin(t *testing.T) {
	o := newOrigin(t, false)
	a, b := quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr())
	p := newPool(t, exitOf(t, a), exitOf(t, b))
	var got []string
	for range 4 {
		c, err := p.DialContext(context.Background(), "tcp", o.addr())
		if err != nil {
			t.Fatalf("DialContext: %v", err)
		}
		echoRoundTrip(t, c, "hello")
		got = append(got, c.(*Conn).ExitNodeID())
		c.Close()
	}
	want := []string{a.NodeID(), b.NodeID(), a.NodeID(), b.NodeID()}
	if !slices.Equal(got, want) {
		t.Errorf("exits used: got %v, want %v", got, want)
	}
	if used := p.Used(); !slices.Equal(used, want[:2]) {
		t.Errorf("Used: got %v, want %v", used, want[:2])
	}
}

func TestPoolFailover(t *testing.T) {
	fastHandshake(t)
	o := newOrigin(t, false)
	a, b := quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr())
	p := newPool(t, exitOf(t, a), exitOf(t, b))
	ctx := context.Background()
	c, err := p.DialContext(ctx, "tcp", o.addr())
	if err != nil {
		t.Fatalf("first dial: %v", err)
	}
	c.Close()
	if err := a.Exit.Close(); err != nil {
		t.Fatalf("close first exit: %v", err)
	}
	slow := 0
	for i := range 5 {
		start := time.Now()
		c, err := p.DialContext(ctx, "tcp", o.addr())
		if err != nil {
			t.Fatalf("dial %d after first exit died: %v", i, err)
		}
		if got := c.(*Conn).ExitNodeID(); got != b.NodeID() {
			t.Errorf("dial %d: got exit %s, want %s", i, got, b.NodeID())
		}
		echoRoundTrip(t, c, "still here")
		c.Close()
		if time.Since(start) > 400*time.Millisecond {
			slow++
		}
	}
	if slow > 1 {
		t.Errorf("%d dials waited for the dead exit, want at most 1: it must be skipped while backing off", slow)
	}
	if used := p.Used(); !slices.Equal(used, []string{a.NodeID(), b.NodeID()}) {
		t.Errorf("Used: got %v, want both exits", used)
	}
}

func TestPoolAllDown(t *testing.T) {
	fastHandshake(t)
	o := newOrigin(t, false)
	a := quicexittest.Start(t, o.addr())
	e := exitOf(t, a)
	a.Exit.Close()
	p := newPool(t, e)
	for i := range 2 {
		_, err := p.DialContext(context.Background(), "tcp", o.addr())
		if !errors.Is(err, ErrNoExit) || !errors.Is(err, ErrExitUnavailable) {
			t.Errorf("dial %d: got %v, want ErrNoExit wrapping ErrExitUnavailable", i, err)
		}
	}
	if used := p.Used(); len(used) != 0 {
		t.Errorf("Used: got %v, want none", used)
	}
	if _, err := newPool(t).DialContext(context.Background(), "tcp", o.addr()); !errors.Is(err, ErrNoExit) {
		t.Errorf("empty pool: got %v, want ErrNoExit", err)
	}
}

func TestPoolPassesProxyErrors(t *testing.T) {
	o := newOrigin(t, false)
	a, b := quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr())
	p := newPool(t, exitOf(t, a), exitOf(t, b))
	_, err := p.DialContext(context.Background(), "tcp", "127.0.0.1:1")
	var pe *ProxyError
	if !errors.As(err, &pe) || pe.ProxyStatus() != "destination_ip_prohibited" {
		t.Fatalf("DialContext to a denied destination: got %v, want a destination_ip_prohibited *ProxyError", err)
	}
	c, err := p.DialContext(context.Background(), "tcp", o.addr())
	if err != nil {
		t.Fatalf("next dial: %v", err)
	}
	defer c.Close()
	if got := c.(*Conn).ExitNodeID(); got != b.NodeID() {
		t.Errorf("next dial: got exit %s, want %s (a refusal must not mark an exit down)", got, b.NodeID())
	}
}

func TestPoolCloseLeavesNoGoroutines(t *testing.T) {
	checkGoroutines(t)
	o := newOrigin(t, false)
	a, b := quicexittest.Start(t, o.addr()), quicexittest.Start(t, o.addr())
	p := NewPool([]Exit{exitOf(t, a), exitOf(t, b)}, zaptest.NewLogger(t))
	var conns []*Conn
	for range 4 {
		c, err := p.DialContext(context.Background(), "tcp", o.addr())
		if err != nil {
			t.Fatalf("DialContext: %v", err)
		}
		echoRoundTrip(t, c, "x")
		conns = append(conns, c.(*Conn))
	}
	if err := p.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Errorf("conn %d: read after pool Close succeeded, want an error", i)
		}
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if _, err := p.DialContext(context.Background(), "tcp", o.addr()); !errors.Is(err, ErrClosed) {
		t.Errorf("DialContext after Close: got %v, want ErrClosed", err)
	}
}
