package bench

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/quic-go/quic-go"
	"go.uber.org/zap"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/client/gateway"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// env is everything the measurements run against, all on loopback.
type env struct {
	sink      net.Listener // reads a length and that many bytes, acknowledges
	echo      net.Listener // echoes
	rawQUIC   *quic.Listener
	quicKey   identity.Key
	exit      *startedExit // metered, as in production
	unmetered *startedExit // the benchmark-only build without counting
	gw        *gateway.Gateway
	socks     net.Addr
	wg        sync.WaitGroup
}

func newEnv(log *zap.Logger) (*env, error) {
	e := &env{}
	if err := e.start(log); err != nil {
		e.close()
		return nil, err
	}
	return e, nil
}

func (e *env) start(log *zap.Logger) error {
	var err error
	if e.sink, err = e.serveTCP(sink); err != nil {
		return err
	}
	if e.echo, err = e.serveTCP(echo); err != nil {
		return err
	}
	if e.quicKey, err = identity.Generate(); err != nil {
		return err
	}
	if err := e.startRawQUIC(); err != nil {
		return err
	}
	allow := []string{e.sink.Addr().String(), e.echo.Addr().String()}
	if e.exit, err = startExit(log, quicexit.New, allow...); err != nil {
		return err
	}
	if e.unmetered, err = startExit(log.Named("unmetered"), quicexit.NewUnmeteredForBenchmark, allow...); err != nil {
		return err
	}
	pool := exitdial.NewPool([]exitdial.Exit{e.exit.to}, log.Named("pool"))
	if e.gw, err = gateway.New(gateway.Config{}, pool, log.Named("gateway")); err != nil {
		return err
	}
	e.socks, err = e.gw.ListenSOCKS5("127.0.0.1:0")
	return err
}

// serveTCP runs serve on every connection to a new loopback listener.
func (e *env) serveTCP(serve func(io.ReadWriter) error) (net.Listener, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	e.wg.Add(1)
	go func() { defer e.wg.Done(); acceptTCP(ln, serve) }()
	return ln, nil
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

func (e *env) close() {
	if e.gw != nil {
		e.gw.Close()
	}
	for _, x := range []*startedExit{e.exit, e.unmetered} {
		if x != nil {
			x.close()
		}
	}
	if e.rawQUIC != nil {
		e.rawQUIC.Close()
	}
	for _, ln := range []net.Listener{e.sink, e.echo} {
		if ln != nil {
			ln.Close()
		}
	}
	e.wg.Wait()
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

// acceptTCP serves every connection of ln until ln closes.
func acceptTCP(ln net.Listener, serve func(io.ReadWriter) error) {
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
			_ = serve(c)
		}()
	}
}

// echo sends back what it receives.
func echo(rw io.ReadWriter) error {
	_, err := io.Copy(rw, rw)
	return err
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
