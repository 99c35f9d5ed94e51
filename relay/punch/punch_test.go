package punch_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/relay/punch"
	"github.com/sparelink/sparelink/relay/punch/punchtest"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

func TestPathCarriesDatagramsBothWays(t *testing.T) {
	buyer, exit := punchtest.Pair(t)
	if got, want := buyer.Pair(), "host-host"; got != want {
		t.Errorf("selected pair: got %q, want %q", got, want)
	}
	cases := []struct {
		name     string
		from, to *punch.PacketConn
		size     int
	}{
		{"buyer to exit, small", buyer, exit, 1},
		{"exit to buyer, small", exit, buyer, 20},
		{"buyer to exit, full QUIC packet", buyer, exit, 1350},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg := bytes.Repeat([]byte{byte(tc.size)}, tc.size)
			if _, err := tc.from.WriteTo(msg, punch.PeerAddr); err != nil {
				t.Fatalf("write: %v", err)
			}
			buf := make([]byte, 2048)
			tc.to.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, addr, err := tc.to.ReadFrom(buf)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !bytes.Equal(buf[:n], msg) || addr != punch.PeerAddr {
				t.Errorf("got %d bytes from %v, want %d bytes from %v", n, addr, len(msg), punch.PeerAddr)
			}
		})
	}
}

func TestReadDeadlineUnblocksRead(t *testing.T) {
	_, exit := punchtest.Pair(t)
	exit.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	_, _, err := exit.ReadFrom(make([]byte, 100))
	if err == nil {
		t.Fatalf("read with nothing sent: got no error, want a timeout")
	}
}

// TestQUICExitOverPunchedPath serves a real exit over the exit's end of a
// punched path and dials it from the buyer's end: CONNECTs allowed by the
// egress rule reach the canary and are metered, others are refused.
func TestQUICExitOverPunchedPath(t *testing.T) {
	canary := punchtest.StartCanary(t, bytes.Repeat([]byte("canary "), 3000))
	other := punchtest.StartCanary(t, []byte("not allowed"))
	srv := quicexittest.Start(t, canary.Addr)
	buyerPC, exitPC := punchtest.Pair(t)
	if err := srv.Exit.ServePacketConn(exitPC); err != nil {
		t.Fatalf("ServePacketConn: %v", err)
	}
	d := exitdial.NewOver(exitdial.Exit{
		NodeID: srv.NodeID(), Addr: "ice", PublicKey: srv.Key.Public(), Token: srv.Token(t, nil),
	}, buyerPC, punch.PeerAddr, zaptest.NewLogger(t))
	t.Cleanup(func() { d.CloseTransport() })

	cases := []struct {
		name      string
		target    string
		want      []byte
		wantProxy string // RFC 9209 error type, when refused
	}{
		{"allowed canary", canary.Addr, canary.Body, ""},
		{"destination outside the egress rule", other.Addr, nil, "destination_ip_prohibited"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := d.DialContext(ctx, "tcp", tc.target)
			if tc.wantProxy != "" {
				var pe *exitdial.ProxyError
				if !errors.As(err, &pe) || pe.Type != tc.wantProxy {
					t.Fatalf("dial %s: got %v, want a proxy error %q", tc.name, err, tc.wantProxy)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer c.Close()
			got, err := io.ReadAll(c)
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("read: got %d bytes, err %v; want %d bytes", len(got), err, len(tc.want))
			}
		})
	}
	waitDown(t, srv, int64(len(canary.Body)))
}

// waitDown waits for the exit's meter to count want bytes down for the
// test lease.
func waitDown(t *testing.T, srv *quicexittest.Server, want int64) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := srv.Meter.Lease(quicexittest.LeaseID).Totals().Down
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("metered down: got %d bytes, want %d", got, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
