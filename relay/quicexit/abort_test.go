package quicexit

import (
	"net"
	"sync"
	"testing"

	"github.com/quic-go/quic-go"
)

// holdingOrigin accepts connections and never answers nor closes them
// until the test ends, even after the peer half-closes.
func holdingOrigin(t *testing.T) *origin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return &origin{ln: ln}
}

// TestBuyerVanishesIdleDestination: a buyer that resets its stream while
// the destination stays silent must not leave the tunnel (and the
// destination connection) open.
func TestBuyerVanishesIdleDestination(t *testing.T) {
	o := holdingOrigin(t)
	e := newEnv(t, o)
	c := dialExit(t, e.addr, e.key.Public())
	str := c.connect(t, o.addr(), e.token(t, nil))
	waitFor(t, "tunnel to open", func() bool { return e.exit.ActiveTunnels() == 1 })
	str.CancelWrite(quic.StreamErrorCode(0x10c)) // H3_REQUEST_CANCELLED
	str.CancelRead(quic.StreamErrorCode(0x10c))
	waitFor(t, "tunnel to end after the buyer vanished", func() bool { return e.exit.ActiveTunnels() == 0 })
}
