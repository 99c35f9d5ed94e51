package forward_test

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/relay/forward"
	"github.com/sparelink/sparelink/relay/punch/punchtest"
	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// relayed starts a forwarder and an exit registered with it, and returns
// a dialer that reaches the exit through the relay.
func relayed(t *testing.T, allow ...string) (*forward.Server, *quicexittest.Server, *exitdial.Dialer) {
	t.Helper()
	log := zaptest.NewLogger(t)
	srv, err := forward.Listen(forward.ServerConfig{}, log.Named("relay"))
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { srv.Close() })
	exit := quicexittest.Start(t, allow...)
	nc, err := forward.DialNode(forward.NodeConfig{Relay: srv.Addr().String(), Key: exit.Key.Private, Interval: 50 * time.Millisecond}, log)
	if err != nil {
		t.Fatalf("dial node: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	if err := exit.Exit.ServePacketConn(nc); err != nil {
		t.Fatalf("serve: %v", err)
	}
	waitFor(t, "registration", nc.Registered)
	bc, err := forward.DialBuyer(srv.Addr().String(), exit.NodeID())
	if err != nil {
		t.Fatalf("dial buyer: %v", err)
	}
	t.Cleanup(func() { bc.Close() })
	d := exitdial.NewOver(exitdial.Exit{NodeID: exit.NodeID(), Addr: "relay", PublicKey: exit.Key.Public(),
		Token: exit.Token(t, nil)}, bc, forward.RelayAddr(exit.NodeID()), log)
	t.Cleanup(func() { d.CloseTransport() })
	return srv, exit, d
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRelayCarriesEncryptedQUIC moves a canary's body through the relay:
// the exit meters the payload, the relay meters its own leg, which is
// larger (QUIC and TLS overhead), and never holds plaintext it could
// read since QUIC runs end to end.
func TestRelayCarriesEncryptedQUIC(t *testing.T) {
	cases := []struct {
		name string
		size int
	}{
		{"small body", 100},
		{"body of many packets", 200_000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			canary := punchtest.StartCanary(t, bytes.Repeat([]byte{'c'}, tc.size))
			relay, exit, d := relayed(t, canary.Addr)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, err := d.DialContext(ctx, "tcp", canary.Addr)
			if err != nil {
				t.Fatalf("dial through relay: %v", err)
			}
			got, err := io.ReadAll(c)
			c.Close()
			if err != nil || len(got) != tc.size {
				t.Fatalf("read: got %d bytes, err %v; want %d", len(got), err, tc.size)
			}
			waitFor(t, "exit meter", func() bool {
				return exit.Meter.Lease(quicexittest.LeaseID).Totals().Down == int64(tc.size)
			})
			leg := relay.Meter().Lease(exit.NodeID()).Totals()
			if leg.Down <= int64(tc.size) || leg.Up == 0 {
				t.Errorf("relay leg: got up %d, down %d; want up > 0 and down > %d", leg.Up, leg.Down, tc.size)
			}
		})
	}
}
