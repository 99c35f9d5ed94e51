package bench

import (
	"context"
	"net"
	"time"

	"github.com/quic-go/quic-go"
	"golang.org/x/net/proxy"

	"github.com/sparelink/sparelink/internal/identity"
)

// measurement runs one transfer of n bytes and returns how long it took.
type measurement struct {
	name     string
	baseline string
	run      func(ctx context.Context, n int64) (time.Duration, error)
}

// throughputs are the transfers Run times, baselines first.
func (e *env) throughputs() []measurement {
	return []measurement{
		{name: "tcp_loopback", run: e.viaConn(e.dialDirect)},
		{name: "quic_raw_stream", run: e.rawQUICTransfer},
		{name: "exit_connect", baseline: "quic_raw_stream", run: e.viaConn(e.dialExit(e.exit))},
		{name: "exit_connect_unmetered", baseline: "quic_raw_stream", run: e.viaConn(e.dialExit(e.unmetered))},
		{name: "gateway_socks5_exit", baseline: "quic_raw_stream", run: e.viaConn(e.dialSOCKS)},
	}
}

// A dial connects to address: the sink or the echo server.
type dial func(ctx context.Context, address string) (net.Conn, error)

func (e *env) dialDirect(ctx context.Context, address string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", address)
}

func (e *env) dialExit(x *startedExit) dial {
	return func(ctx context.Context, address string) (net.Conn, error) {
		return x.dialer.DialContext(ctx, "tcp", address)
	}
}

func (e *env) dialSOCKS(ctx context.Context, address string) (net.Conn, error) {
	d, err := proxy.SOCKS5("tcp", e.socks.String(), nil, proxy.Direct)
	if err != nil {
		return nil, err
	}
	return d.(proxy.ContextDialer).DialContext(ctx, "tcp", address)
}

// viaConn measures sending n bytes to the sink over a connection, from
// dial to the sink's acknowledgement.
func (e *env) viaConn(d dial) func(context.Context, int64) (time.Duration, error) {
	return func(ctx context.Context, n int64) (time.Duration, error) {
		start := time.Now()
		c, err := d(ctx, e.sink.Addr().String())
		if err != nil {
			return 0, err
		}
		defer c.Close()
		if err := send(c, n); err != nil {
			return 0, err
		}
		return time.Since(start), nil
	}
}

func (e *env) rawQUICTransfer(ctx context.Context, n int64) (time.Duration, error) {
	start := time.Now()
	conn, err := quic.DialAddr(ctx, e.rawQUIC.Addr().String(), identity.PinnedTLSConfig(e.quicKey.Public()), &quic.Config{})
	if err != nil {
		return 0, err
	}
	defer conn.CloseWithError(0, "")
	str, err := conn.OpenStreamSync(ctx)
	if err != nil {
		return 0, err
	}
	if err := send(str, n); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}
