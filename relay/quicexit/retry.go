package quicexit

import (
	"context"
	"net"

	"github.com/quic-go/quic-go"
)

// handshakeGuard decides which connection attempts must first prove their
// source address with a QUIC Retry. Below the threshold nobody pays the
// extra round trip; above it every attempt without a token does, so a
// flood from spoofed addresses costs the exit one stateless packet each
// instead of a handshake.
type handshakeGuard struct {
	always bool
	bucket *bucket // attempts admitted without a Retry; nil when always
	clock  clock
	stats  *counters
}

func newHandshakeGuard(perSecond float64, clk clock, stats *counters) *handshakeGuard {
	g := &handshakeGuard{always: perSecond < 0, clock: clk, stats: stats}
	if !g.always {
		g.bucket = newBucket(perSecond, max(perSecond, 1), clk.Now())
	}
	return g
}

// requireRetry is the transport's VerifySourceAddress hook. quic-go calls
// it only for attempts that carry no valid token. The address is not
// trusted, so the threshold is over all attempts, not per address.
func (g *handshakeGuard) requireRetry(net.Addr) bool {
	if g.always || !g.bucket.allow(g.clock.Now()) {
		g.stats.retries.Add(1)
		return true
	}
	return false
}

// connContext is the transport's ConnContext hook: it counts connections
// whose source address was proven.
func (g *handshakeGuard) connContext(ctx context.Context, ci *quic.ClientInfo) (context.Context, error) {
	if ci.AddrVerified {
		g.stats.validated.Add(1)
	}
	return ctx, nil
}
