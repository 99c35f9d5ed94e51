package gateway

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
)

// benchChunk is the size of each write in the throughput benchmarks.
const benchChunk = 64 << 10

// sink reads an 8-byte length, then that many bytes, then acknowledges.
func sink(c net.Conn) {
	var hdr [8]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	if _, err := io.CopyN(io.Discard, c, int64(binary.BigEndian.Uint64(hdr[:]))); err != nil {
		return
	}
	_, _ = c.Write([]byte{1})
}

// BenchmarkSOCKSThroughput compares an upload through the gateway's SOCKS5
// listener with the same upload over a plain loopback TCP connection.
func BenchmarkSOCKSThroughput(b *testing.B) {
	origin := startTCPOrigin(b, sink)
	target := origin.Addr().String()
	dialers := []struct {
		name string
		dial func(b *testing.B) net.Conn
	}{
		{"raw-loopback", func(b *testing.B) net.Conn {
			c, err := net.Dial("tcp", target)
			if err != nil {
				b.Fatalf("dial: %v", err)
			}
			b.Cleanup(func() { _ = c.Close() })
			return c
		}},
		{"socks5-gateway", func(b *testing.B) net.Conn {
			d := newTestDialer()
			d.route(target, target)
			gw := startGateway(b, Config{}, d)
			return socksDial(b, gw.socks, nil, target)
		}},
	}
	for _, dd := range dialers {
		b.Run(dd.name, func(b *testing.B) {
			c := dd.dial(b)
			buf := pattern(benchChunk)
			var hdr [8]byte
			binary.BigEndian.PutUint64(hdr[:], uint64(b.N)*benchChunk)
			b.SetBytes(benchChunk)
			b.ResetTimer()
			if _, err := c.Write(hdr[:]); err != nil {
				b.Fatalf("write header: %v", err)
			}
			for range b.N {
				if _, err := c.Write(buf); err != nil {
					b.Fatalf("write: %v", err)
				}
			}
			if _, err := io.ReadFull(c, hdr[:1]); err != nil {
				b.Fatalf("read acknowledgement: %v", err)
			}
		})
	}
}
