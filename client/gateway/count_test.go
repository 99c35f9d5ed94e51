package gateway

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

const (
	upPayload   = 1 << 20
	downPayload = 3 << 20
)

// serveFixed reads exactly upPayload bytes, then sends downPayload bytes.
func serveFixed(c net.Conn) {
	if _, err := io.CopyN(io.Discard, c, upPayload); err != nil {
		return
	}
	_, _ = c.Write(pattern(downPayload))
}

// tunnelVia opens a raw tunnel to target through the gateway with the
// given protocol and returns a reader that starts at the payload.
func tunnelVia(t *testing.T, gw *testGateway, proto, target string) (net.Conn, io.Reader) {
	t.Helper()
	if proto == "socks5" {
		c := socksDial(t, gw.socks, nil, target)
		return c, c
	}
	c, err := net.DialTimeout("tcp", gw.http, 5*time.Second)
	if err != nil {
		t.Fatalf("dial gateway: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, target)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("CONNECT: status %v, err %v", resp, err)
	}
	return c, br
}

func TestCountedTunnelBytes(t *testing.T) {
	for _, proto := range []string{"socks5", "connect"} {
		t.Run(proto, func(t *testing.T) {
			origin := startTCPOrigin(t, serveFixed)
			d := newTestDialer()
			target := origin.Addr().String()
			d.route(target, target)
			gw := startGateway(t, Config{}, d)
			c, r := tunnelVia(t, gw, proto, target)
			_ = c.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := c.Write(pattern(upPayload)); err != nil {
				t.Fatalf("write payload: %v", err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("read payload: %v", err)
			}
			if !bytes.Equal(got, pattern(downPayload)) {
				t.Fatalf("received %d bytes, want the %d-byte pattern", len(got), downPayload)
			}
			wantCounts(t, gw, upPayload, downPayload)
			if r, w := origin.read.Load(), origin.written.Load(); r != upPayload || w != downPayload {
				t.Errorf("origin read %d and wrote %d, want %d and %d", r, w, upPayload, downPayload)
			}
		})
	}
}

// wantCounts waits for the gateway's counter to settle on up and down.
func wantCounts(t *testing.T, gw *testGateway, up, down int64) {
	t.Helper()
	wantCountsOf(t, gw, func() (int64, int64) { return up, down })
}

// wantCountsOf waits for the gateway's counter to settle on what want
// returns, asked afresh each time: the other side's own counters may
// still be moving when the gateway's have stopped.
func wantCountsOf(t *testing.T, gw *testGateway, want func() (up, down int64)) {
	t.Helper()
	settled := func() bool {
		tot := gw.counter.Totals()
		up, down := want()
		return tot.Up == up && tot.Down == down
	}
	deadline := time.Now().Add(5 * time.Second)
	for !settled() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if tot := gw.counter.Totals(); !settled() {
		up, down := want()
		t.Errorf("counted up %d down %d, want up %d down %d", tot.Up, tot.Down, up, down)
	}
}

func TestCountedForwardBytes(t *testing.T) {
	origin, counted := startHTTPOrigin(t, false)
	target := origin.Listener.Addr().String()
	d := newTestDialer()
	d.route(target, target)
	gw := startGateway(t, Config{}, d)
	c := proxyClient(t, gw.http, nil, nil)
	_, body := get(t, c, fmt.Sprintf("http://%s/bytes?n=%d", target, downPayload))
	if len(body) != downPayload {
		t.Fatalf("downloaded %d bytes, want %d", len(body), downPayload)
	}
	resp, err := c.Post("http://"+target+"/upload", "application/octet-stream", bytes.NewReader(pattern(upPayload)))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	got, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(got) != fmt.Sprint(upPayload) {
		t.Fatalf("origin received %s bytes, want %d", got, upPayload)
	}
	// Forwarded requests carry HTTP framing too: the count is what crossed
	// the tunnel, which is exactly what the origin read and wrote.
	wantCountsOf(t, gw, func() (int64, int64) { return counted.read.Load(), counted.written.Load() })
	if tot := gw.counter.Totals(); tot.Up < upPayload || tot.Down < downPayload {
		t.Errorf("counted up %d down %d, want at least the payloads %d and %d", tot.Up, tot.Down, upPayload, downPayload)
	}
}
