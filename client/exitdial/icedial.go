package exitdial

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"

	"github.com/quic-go/quic-go"
	"go.uber.org/zap"
)

// NewOver returns a dialer that reaches exit over pc, addressing peer,
// rather than over a UDP socket of its own: pc is a hole punched with ICE
// or a flow through a rendezvous relay. Tunnels, tokens, receipts and the
// node-key pin work as with New; exit.Addr is only used in logs. The
// dialer shares one QUIC transport on pc across reconnections. The
// caller owns pc and closes it after the dialer; CloseTransport releases
// the transport's reader on pc.
func NewOver(exit Exit, pc net.PacketConn, peer net.Addr, log *zap.Logger) *Dialer {
	d := New(exit, log)
	tr := &quic.Transport{Conn: pc}
	d.over = tr
	d.dialQUIC = func(ctx context.Context, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
		conf = conf.Clone()
		// The path may add a header to each packet (a relay's), so stay
		// at QUIC's safe initial size.
		conf.DisablePathMTUDiscovery = true
		conn, err := tr.Dial(ctx, peer, tlsConf, conf)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("exit %s: %w: %w", exit.NodeID, ErrExitUnavailable, err)
		}
		return conn, nil
	}
	return d
}

// CloseTransport closes the dialer's connections and, for a dialer from
// NewOver, its QUIC transport on the caller's packet connection.
func (d *Dialer) CloseTransport() error {
	err := d.Close()
	if d.over != nil {
		_ = d.over.Close()
	}
	return err
}
