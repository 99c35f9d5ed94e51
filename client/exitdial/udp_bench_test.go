package exitdial

import (
	"context"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/relay/quicexit/quicexittest"
)

// BenchmarkConnectUDP measures datagrams per second through an exit, one
// query and its answer at a time: CONNECT-UDP, HTTP Datagrams, the exit's
// metering and a loopback UDP destination.
func BenchmarkConnectUDP(b *testing.B) {
	o := newUDPOrigin(b)
	s := quicexittest.Start(b, o.addr())
	d := New(Exit{NodeID: s.NodeID(), Addr: s.Addr, PublicKey: s.Key.Public(), Token: s.Token(b, nil)}, zap.NewNop())
	defer d.Close()
	c, err := d.DialUDP(context.Background(), o.addr())
	if err != nil {
		b.Fatalf("DialUDP: %v", err)
	}
	defer c.Close()
	query := make([]byte, 512)
	answer := make([]byte, MaxUDPPayload)
	b.SetBytes(int64(len(query)))
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		if _, err := c.Write(query); err != nil {
			b.Fatalf("write: %v", err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(answer); err != nil {
			b.Fatalf("read: %v", err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "datagrams/s")
}
