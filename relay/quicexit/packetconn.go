package quicexit

import (
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/quic-go/quic-go"
	"go.uber.org/zap"
)

// ServePacketConn serves HTTP/3 on pc in the background, exactly as on a
// socket from Listen: same certificate, tokens, egress, limits and
// metering. pc is a path that is not a plain UDP socket: a hole punched
// with ICE (relay/punch) or the flows a rendezvous relay forwards
// (relay/forward). The caller owns pc and closes it; closing it ends
// what is served on it. No QUIC Retry is asked for, since such paths are
// set up through the broker rather than by anyone who sends a packet, and
// path MTU discovery is off, since they may add headers to each packet.
func (e *Exit) ServePacketConn(pc net.PacketConn) error {
	tr := &quic.Transport{Conn: pc}
	conf := e.quic.Clone()
	conf.DisablePathMTUDiscovery = true
	ln, err := tr.Listen(e.tls, conf)
	if err != nil {
		_ = tr.Close()
		return fmt.Errorf("quic exit serve %s: %w", pc.LocalAddr(), err)
	}
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		_ = ln.Close()
		_ = tr.Close()
		return ErrClosed
	}
	e.serving.Add(1)
	e.mu.Unlock()
	go func() {
		defer e.serving.Done()
		defer tr.Close()
		err := e.srv.ServeListener(ln)
		if err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, quic.ErrServerClosed) {
			e.log.Debug("packet path closed", zap.Stringer("addr", pc.LocalAddr()), zap.Error(err))
		}
	}()
	return nil
}
