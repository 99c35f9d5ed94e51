package quicexit

import (
	"crypto/tls"
	"time"
)

// Defaults of Config and Options. They suit a home agent; an ISP relay
// raises them.
const (
	defaultMaxStreams         = 256
	defaultIdleTimeout        = 60 * time.Second
	defaultMaxStreamsPerLease = 64
	defaultRetryAbove         = 100
)

// Options are what an operator tunes on an exit. The zero value means the
// documented defaults.
type Options struct {
	// MaxRateBps caps the exit's total payload rate in bytes per second,
	// both directions and all leases together; zero means no cap. Leases
	// share the cap in turns, whatever their number of streams. SetMaxRate
	// changes it while the exit runs.
	MaxRateBps int64
	// MaxStreamsPerLease bounds the tunnels one lease may have open at
	// once over all its connections; zero means 64. Requests beyond it are
	// answered 429 with Proxy-Status error=connection_limit_reached.
	MaxStreamsPerLease int
	// RetryAbove is the rate of new connection attempts per second above
	// which the exit asks each further attempt to prove its source address
	// with a QUIC Retry (RFC 9000 §8.1.2) before spending a handshake on
	// it. Zero means 100; a negative value means every attempt. A Retry
	// costs an honest client one round trip and a spoofed one everything.
	RetryAbove float64
	// Certificate, when set, is presented to clients that ask for one of
	// its DNS names by SNI, so that clients which check names against a CA
	// can use the exit. Every other handshake, including SpareLink
	// clients that pin the node key, gets the node key's certificate.
	Certificate *tls.Certificate
}

// withDefaults fills in the zero fields.
func (o Options) withDefaults() Options {
	if o.MaxStreamsPerLease <= 0 {
		o.MaxStreamsPerLease = defaultMaxStreamsPerLease
	}
	if o.RetryAbove == 0 {
		o.RetryAbove = defaultRetryAbove
	}
	return o
}
