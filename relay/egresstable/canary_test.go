package egresstable

import (
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// canary listens on an address no buyer may reach. It counts what
// arrives: TCP connections accepted, or UDP datagrams received, and the
// bytes they carry.
type canary struct {
	network  string // "tcp" or "udp"
	addr     netip.AddrPort
	accepted atomic.Int64
	bytes    atomic.Int64
}

// bindCanary listens on ap (port 0 for any free port). It returns nil,
// without failing the test, when the address cannot be bound here: the
// tripwire still guards it.
func bindCanary(t *testing.T, network string, ap netip.AddrPort) *canary {
	t.Helper()
	if network == "udp" {
		return bindUDPCanary(t, ap)
	}
	ln, err := net.Listen("tcp", ap.String())
	if err != nil {
		return nil
	}
	c := &canary{network: "tcp", addr: ln.Addr().(*net.TCPAddr).AddrPort()}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			c.accepted.Add(1)
			wg.Go(func() {
				defer conn.Close()
				// Read what arrives, briefly: a reached canary is already a
				// failure, and a silent peer must not hold the test up.
				_ = conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
				n, _ := io.Copy(io.Discard, conn)
				c.bytes.Add(n)
			})
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	return c
}

// selfCheck reaches the canary directly (a connection, or a datagram),
// proving that what the exit sent would land on it, then resets its
// counters.
func (c *canary) selfCheck(t *testing.T, via netip.AddrPort) {
	t.Helper()
	conn, err := net.DialTimeout(c.network, via.String(), 5*time.Second)
	if err == nil && c.network == "udp" {
		_, err = conn.Write([]byte("canary check"))
	}
	if err != nil {
		t.Fatalf("canary %s %s: direct dial of %s: %v", c.network, c.addr, via, err)
	}
	_ = conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	for c.accepted.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := c.accepted.Load(); got != 1 {
		t.Fatalf("canary %s %s: a direct dial of %s arrived %d times, want 1", c.network, c.addr, via, got)
	}
	c.accepted.Store(0)
	c.bytes.Store(0)
}
