package meter

import (
	"io"
	"net"
	"testing"
	"time"
)

// BenchmarkPipe measures one direction of a Pipe between loopback TCP
// connections, 64 KiB per operation.
func BenchmarkPipe(b *testing.B) {
	const chunk = 64 << 10
	buyer, buyerSide := tcpPair(b)
	destSide, dest := tcpPair(b)
	for _, c := range []net.Conn{buyer, buyerSide, destSide, dest} {
		_ = c.SetDeadline(time.Time{})
	}
	var counter Counter
	done := make(chan error, 1)
	go func() { done <- Pipe(buyerSide, destSide, &counter) }()
	drained := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(io.Discard, dest)
		_ = dest.CloseWrite()
		drained <- n
	}()
	buf := payload(chunk)
	b.SetBytes(chunk)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := buyer.Write(buf); err != nil {
			b.Fatalf("write: %v", err)
		}
	}
	_ = buyer.CloseWrite()
	n := <-drained
	b.StopTimer()
	if err := <-done; err != nil {
		b.Fatalf("Pipe: %v", err)
	}
	if want := int64(b.N) * chunk; n != want || counter.Totals().Up != want {
		b.Fatalf("relayed %d, counted %d, want %d", n, counter.Totals().Up, want)
	}
}
