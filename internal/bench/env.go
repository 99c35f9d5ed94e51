package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/quic-go/quic-go"
	"go.uber.org/zap"
	"golang.org/x/net/proxy"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// env is everything the measurements run against, all on loopback.
type env struct {
	sink    net.Listener
	rawQUIC *quic.Listener
	quicKey identity.Key
	exit    *quicexit.Exit
	exitTo  exitdial.Exit
	dialer  *exitdial.Dialer
	gw      *gateway.Gateway
	socks   net.Addr
	wg      sync.WaitGroup
}

func newEnv(ctx context.Context, log *zap.Logger) (*env, error) {
	e := &env{}
	var err error
	if e.sink, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	e.wg.Add(1)
	go func() { defer e.wg.Done(); serveTCPSink(e.sink) }()
	if e.quicKey, err = identity.Generate(); err != nil {
		e.close()
		return nil, err
	}
	if err := e.startRawQUIC(); err != nil {
		e.close()
		return nil, err
	}
	if err := e.startExit(log); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) startRawQUIC() error {
	tlsConf, err := e.quicKey.ServerTLSConfig()
	if err != nil {
		return err
	}
	if e.rawQUIC, err = quic.ListenAddr("127.0.0.1:0", tlsConf, &quic.Config{}); err != nil {
		return err
	}
	e.wg.Add(1)
	go func() { defer e.wg.Done(); serveQUICSink(e.rawQUIC) }()
	return nil
}

func (e *env) startExit(log *zap.Logger) error {
	signer, err := lease.NewSigningKey()
	if err != nil {
		return err
	}
	nodeKey, err := identity.Generate()
	if err != nil {
		return err
	}
	rule, err := egress.ParseRule(e.sink.Addr().String())
	if err != nil {
		return err
	}
	policy, err := egress.New(egress.Config{Allow: []egress.Rule{rule}}, log.Named("egress"))
	if err != nil {
		return err
	}
	e.exit, err = quicexit.New(quicexit.Config{
		Key:      nodeKey,
		Verifier: lease.NewVerifier(map[string]ed25519.PublicKey{signer.KeyID: signer.Public()}, nil),
		Egress:   policy,
		Meter:    new(meter.Meter),
	}, log.Named("exit"))
	if err != nil {
		return err
	}
	addr, err := e.exit.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	now := time.Now()
	token, err := signer.Issue(lease.Claims{
		LeaseID: "ls_bench", NodeID: nodeKey.NodeID(), Protocols: []string{"quic"},
		IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		return err
	}
	e.exitTo = exitdial.Exit{NodeID: nodeKey.NodeID(), Addr: addr.String(), PublicKey: nodeKey.Public(), Token: token}
	e.dialer = exitdial.New(e.exitTo, log.Named("dialer"))
	if e.gw, err = gateway.New(gateway.Config{}, exitdial.NewPool([]exitdial.Exit{e.exitTo}, log.Named("pool")), log.Named("gateway")); err != nil {
		return err
	}
	e.socks, err = e.gw.ListenSOCKS5("127.0.0.1:0")
	return err
}

func (e *env) close() {
	if e.gw != nil {
		e.gw.Close()
	}
	if e.dialer != nil {
		e.dialer.Close()
	}
	if e.exit != nil {
		e.exit.Close()
	}
	if e.rawQUIC != nil {
		e.rawQUIC.Close()
	}
	if e.sink != nil {
		e.sink.Close()
	}
	e.wg.Wait()
}

func (e *env) measurements() []measurement {
	return []measurement{
		{name: "tcp_loopback", run: e.viaConn(func(ctx context.Context) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", e.sink.Addr().String())
		})},
		{name: "quic_raw_stream", run: e.rawQUICTransfer},
		{name: "exit_connect", baseline: "quic_raw_stream", run: e.viaConn(func(ctx context.Context) (net.Conn, error) {
			return e.dialer.DialContext(ctx, "tcp", e.sink.Addr().String())
		})},
		{name: "gateway_socks5_exit", baseline: "quic_raw_stream", run: e.viaConn(func(ctx context.Context) (net.Conn, error) {
			d, err := proxy.SOCKS5("tcp", e.socks.String(), nil, proxy.Direct)
			if err != nil {
				return nil, err
			}
			return d.(proxy.ContextDialer).DialContext(ctx, "tcp", e.sink.Addr().String())
		})},
	}
}

// viaConn measures sending n bytes over a connection from dial to the
// sink's acknowledgement.
func (e *env) viaConn(dial func(context.Context) (net.Conn, error)) func(context.Context, int64) (time.Duration, error) {
	return func(ctx context.Context, n int64) (time.Duration, error) {
		start := time.Now()
		c, err := dial(ctx)
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

var chunk = make([]byte, 64<<10)

// send writes the length, n bytes, and waits for the one-byte ack.
func send(rw io.ReadWriter, n int64) error {
	var hdr [8]byte
	binary.BigEndian.PutUint64(hdr[:], uint64(n))
	if _, err := rw.Write(hdr[:]); err != nil {
		return err
	}
	for left := n; left > 0; {
		k := min(left, int64(len(chunk)))
		if _, err := rw.Write(chunk[:k]); err != nil {
			return err
		}
		left -= k
	}
	var ack [1]byte
	if _, err := io.ReadFull(rw, ack[:]); err != nil {
		return fmt.Errorf("wait for ack: %w", err)
	}
	return nil
}

// sink reads a length and that many bytes, then acknowledges.
func sink(rw io.ReadWriter) error {
	var hdr [8]byte
	if _, err := io.ReadFull(rw, hdr[:]); err != nil {
		return err
	}
	n := int64(binary.BigEndian.Uint64(hdr[:]))
	if got, err := io.CopyN(io.Discard, rw, n); err != nil {
		return fmt.Errorf("sink got %d of %d bytes: %w", got, n, err)
	}
	_, err := rw.Write([]byte{1})
	return err
}

func serveTCPSink(ln net.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			_ = sink(c)
		}()
	}
}

func serveQUICSink(ln *quic.Listener) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := ln.Accept(context.Background())
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			str, err := conn.AcceptStream(context.Background())
			if err == nil {
				_ = sink(str)
				str.Close()
			}
			// Give the client time to read the ack before closing.
			<-conn.Context().Done()
		}()
	}
}
