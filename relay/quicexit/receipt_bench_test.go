package quicexit

import (
	"io"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/lease"
)

// benchTransfer is what each half of BenchmarkReceiptsOnVsOff sends per
// iteration: many receipts' worth at the default 512 KiB per receipt.
const benchTransfer = 32 << 20

// BenchmarkReceiptsOnVsOff relays the same transfer through one exit for
// a lease without a buyer key (no receipts, no window) and for one whose
// buyer countersigns every receipt on a receipt stream under the default
// 1 MiB exposure window, in the same run, and reports both rates and
// their ratio (on/off).
func BenchmarkReceiptsOnVsOff(b *testing.B) {
	e := newEnv(b, newOrigin(b, false))
	pub, priv := buyerKey(b)
	c := dialExit(b, e.addr, e.key.Public())
	offTok := e.token(b, func(cl *lease.Claims) { cl.LeaseID = "ls_off" })
	onTok := e.token(b, func(cl *lease.Claims) { cl.LeaseID, cl.BuyerKey = "ls_on", pub })
	rs, status := c.openReceipts(b, onTok)
	if status != 200 {
		b.Fatalf("receipt stream: status %d", status)
	}
	go countersignAll(rs, priv, nil)
	var off, on time.Duration
	b.SetBytes(2 * benchTransfer)
	for b.Loop() {
		off += timeTransfer(b, c, e.origin.addr(), offTok)
		on += timeTransfer(b, c, e.origin.addr(), onTok)
	}
	offMBps := float64(b.N) * benchTransfer / off.Seconds() / 1e6
	onMBps := float64(b.N) * benchTransfer / on.Seconds() / 1e6
	b.ReportMetric(offMBps, "off-MB/s")
	b.ReportMetric(onMBps, "on-MB/s")
	b.ReportMetric(onMBps/offMBps, "on/off")
	if s := e.exit.Stats().Receipts; s.Countersigned == 0 {
		b.Fatalf("no receipt was countersigned: %+v", s)
	}
}

// timeTransfer sends benchTransfer bytes through a new tunnel to the
// discarding origin and returns how long the exchange took.
func timeTransfer(b *testing.B, c *client, target, tok string) time.Duration {
	b.Helper()
	start := time.Now()
	str := c.connect(b, target, tok)
	buf := make([]byte, benchChunk)
	for sent := 0; sent < benchTransfer; sent += len(buf) {
		if _, err := str.Write(buf); err != nil {
			b.Fatalf("write: %v", err)
		}
	}
	if err := str.Close(); err != nil {
		b.Fatalf("close: %v", err)
	}
	if _, err := io.ReadFull(str, make([]byte, 1)); err != nil {
		b.Fatalf("read acknowledgement: %v", err)
	}
	return time.Since(start)
}
