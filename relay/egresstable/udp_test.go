package egresstable

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// udpWait bounds the wait for a UDP answer: a refused flow fails at once,
// and a permitted one answers from loopback in microseconds.
const udpWait = 2 * time.Second

// bindUDPCanary is bindCanary for UDP: every datagram counts.
func bindUDPCanary(t *testing.T, ap netip.AddrPort) *canary {
	t.Helper()
	pc, err := net.ListenPacket("udp", ap.String())
	if err != nil {
		return nil
	}
	c := &canary{network: "udp", addr: pc.LocalAddr().(*net.UDPAddr).AddrPort()}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 2048)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			// Bytes first: selfCheck waits on accepted, then resets both.
			c.bytes.Add(int64(n))
			c.accepted.Add(1)
		}
	})
	t.Cleanup(func() {
		_ = pc.Close()
		wg.Wait()
	})
	return c
}

// startUDPOrigin answers every datagram on host:0 with "origin" and the
// address it was received on, as startOrigin does for HTTP.
func startUDPOrigin(t *testing.T, host string) netip.AddrPort {
	t.Helper()
	pc, err := net.ListenPacket("udp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("udp origin on %s: %v", host, err)
	}
	answer := []byte("origin " + pc.LocalAddr().String())
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 2048)
		for {
			_, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = pc.WriteTo(answer, from)
		}
	})
	t.Cleanup(func() {
		_ = pc.Close()
		wg.Wait()
	})
	return pc.LocalAddr().(*net.UDPAddr).AddrPort()
}

func getViaPolicyUDP(ctx context.Context, e *env, host string, port uint16) (string, error) {
	conn, err := e.policy.DialContext(ctx, "udp", hostPort(host, port))
	if err != nil {
		return "", err
	}
	return exchangeUDP(conn)
}

func getViaQUICUDP(ctx context.Context, e *env, host string, port uint16) (string, error) {
	conn, err := e.dialer.DialUDP(ctx, hostPort(host, port))
	if err != nil {
		return "", err
	}
	return exchangeUDP(conn)
}

// exchangeUDP sends one datagram on a flow and returns the answer.
func exchangeUDP(conn net.Conn) (string, error) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(udpWait))
	if _, err := conn.Write([]byte("hello origin")); err != nil {
		return "", err
	}
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	return string(buf[:n]), err
}
