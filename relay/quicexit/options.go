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
	// ExposureWindow is how many bytes a lease whose token carries a buyer
	// key may carry beyond the last receipt its buyer countersigned. At
	// the window the exit refuses the lease's new tunnels (402 with
	// Proxy-Status error=http_request_denied) and pauses its open ones
	// until a countersignature catches up. Zero means 1 MiB; a negative
	// value means no limit. Leases without a buyer key are not held to it.
	ExposureWindow int64
	// ReceiptInterval is the longest a receipt stream goes without a
	// receipt while its lease carries traffic; zero means 2s.
	ReceiptInterval time.Duration
	// ReceiptBytes is the most traffic between two receipts on a receipt
	// stream; zero means half the exposure window (512 KiB by default).
	ReceiptBytes int64
}

// withDefaults fills in the zero fields.
func (o Options) withDefaults() Options {
	if o.MaxStreamsPerLease <= 0 {
		o.MaxStreamsPerLease = defaultMaxStreamsPerLease
	}
	if o.RetryAbove == 0 {
		o.RetryAbove = defaultRetryAbove
	}
	o = o.receiptDefaults()
	return o
}
