package quicexit

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
)

// benchChunk is the write size of every benchmark; b.SetBytes makes their
// MB/s comparable.
const benchChunk = 32 << 10

// halfCloseWriter is a stream the benchmarks can write to and then signal
// the end of, before reading the sink's one-byte acknowledgement.
type halfCloseWriter interface {
	io.ReadWriter
	closeWrite() error
}

type tcpStream struct{ *net.TCPConn }

func (s tcpStream) closeWrite() error { return s.CloseWrite() }

type quicStream struct{ *quic.Stream }

func (s quicStream) closeWrite() error { return s.Close() }

type requestStream struct{ *http3.RequestStream }

func (s requestStream) closeWrite() error { return s.Close() }

// pump writes b.N chunks to s and waits until the sink acknowledges all.
func pump(b *testing.B, s halfCloseWriter) {
	b.Helper()
	buf := make([]byte, benchChunk)
	b.SetBytes(benchChunk)
	b.ResetTimer()
	for range b.N {
		if _, err := s.Write(buf); err != nil {
			b.Fatalf("write: %v", err)
		}
	}
	if err := s.closeWrite(); err != nil {
		b.Fatalf("close write: %v", err)
	}
	if _, err := io.ReadFull(s, make([]byte, 1)); err != nil {
		b.Fatalf("read acknowledgement: %v", err)
	}
	b.StopTimer()
}

// BenchmarkRawTCP is the baseline: a loopback TCP connection to the sink.
func BenchmarkRawTCP(b *testing.B) {
	o := newOrigin(b, false)
	c, err := net.Dial("tcp", o.addr())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	pump(b, tcpStream{c.(*net.TCPConn)})
}

// BenchmarkRawQUIC is a quic-go stream over loopback with the exit's TLS
// setup, without HTTP/3 or the exit.
func BenchmarkRawQUIC(b *testing.B) {
	key, err := identity.Generate()
	if err != nil {
		b.Fatal(err)
	}
	tlsConf, err := key.ServerTLSConfig()
	if err != nil {
		b.Fatal(err)
	}
	ln, err := quic.ListenAddr("127.0.0.1:0", tlsConf, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go serveQUICSink(ln)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(ctx, ln.Addr().String(), identity.PinnedTLSConfig(key.Public()), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.CloseWithError(0, "")
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		b.Fatal(err)
	}
	pump(b, quicStream{str})
}

// serveQUICSink discards one stream and acknowledges its end.
func serveQUICSink(ln *quic.Listener) {
	conn, err := ln.Accept(context.Background())
	if err != nil {
		return
	}
	str, err := conn.AcceptStream(context.Background())
	if err != nil {
		return
	}
	if _, err := io.Copy(io.Discard, str); err == nil {
		_, _ = str.Write([]byte{1})
	}
	_ = str.Close()
}

// BenchmarkExitCONNECT goes through the exit: HTTP/3 CONNECT, token check,
// egress policy, metering, and TCP to the sink.
func BenchmarkExitCONNECT(b *testing.B) {
	e := newEnv(b, newOrigin(b, false))
	c := dialExit(b, e.addr, e.key.Public())
	str := c.connect(b, e.origin.addr(), e.token(b, nil))
	pump(b, requestStream{str})
}

// BenchmarkExitCONNECTShaped is BenchmarkExitCONNECT with a lease rate
// and a node cap far above what loopback carries: every read goes through
// both token buckets without waiting, which is their whole cost.
func BenchmarkExitCONNECTShaped(b *testing.B) {
	const fast = 1 << 40
	e := newEnvWith(b, newOrigin(b, false), Options{MaxRateBps: fast}, systemClock{})
	c := dialExit(b, e.addr, e.key.Public())
	str := c.connect(b, e.origin.addr(), e.token(b, func(cl *lease.Claims) { cl.RateBps = fast }))
	pump(b, requestStream{str})
	if e.exit.Stats().ShapedWaits != 0 {
		b.Fatalf("a read waited at %d B/s", fast)
	}
}
