package relayd

import (
	"bytes"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// A relay's limits are higher than a home agent's: it has a data-centre
// uplink and many buyers behind carrier-grade NAT.
const (
	defaultMaxStreamsPerLease = 512
	defaultRetryAbove         = 1000
)

// Errors of the TLS settings, for callers that branch on them.
var (
	// ErrTLSFiles means only one of the certificate and key files was
	// given.
	ErrTLSFiles = errors.New("relay: --tls-cert and --tls-key go together")
	// ErrCertExpired means the certificate is outside its validity period.
	ErrCertExpired = errors.New("relay: TLS certificate is expired or not yet valid")
	// ErrAdvertisedNameCovered means buyers would dial a name the
	// certificate covers, and be handed it instead of the node key's.
	ErrAdvertisedNameCovered = errors.New("relay: the advertised name is one the TLS certificate covers")
)

// exitOptions turns the relay's settings into the exit's: its capacity
// becomes the exit's total rate cap, and the certificate files are loaded
// and checked.
func exitOptions(cfg Config, key identity.Key, now time.Time) (quicexit.Options, error) {
	opts := quicexit.Options{
		MaxRateBps:         cfg.CapacityBps,
		MaxStreamsPerLease: cfg.MaxStreamsPerLease,
		RetryAbove:         cfg.RetryAbove,
	}
	if opts.MaxStreamsPerLease == 0 {
		opts.MaxStreamsPerLease = defaultMaxStreamsPerLease
	}
	if opts.RetryAbove == 0 {
		opts.RetryAbove = defaultRetryAbove
	}
	if cfg.TLSCertFile == "" && cfg.TLSKeyFile == "" {
		return opts, nil
	}
	cert, err := loadCertificate(cfg.TLSCertFile, cfg.TLSKeyFile, now)
	if err != nil {
		return quicexit.Options{}, err
	}
	if err := checkAdvertise(cfg.Advertise, cert.Leaf, key); err != nil {
		return quicexit.Options{}, err
	}
	opts.Certificate = cert
	return opts, nil
}

// loadCertificate reads a PEM certificate chain and its private key.
func loadCertificate(certFile, keyFile string, now time.Time) (*tls.Certificate, error) {
	if certFile == "" || keyFile == "" {
		return nil, ErrTLSFiles
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("relay: load TLS certificate %s: %w", certFile, err)
	}
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("relay: parse TLS certificate %s: %w", certFile, err)
		}
	}
	if len(cert.Leaf.DNSNames) == 0 {
		return nil, fmt.Errorf("relay: %s: %w", certFile, quicexit.ErrCertificateNames)
	}
	if now.Before(cert.Leaf.NotBefore) || now.After(cert.Leaf.NotAfter) {
		return nil, fmt.Errorf("%w: %s is valid from %s to %s", ErrCertExpired, certFile,
			cert.Leaf.NotBefore.Format(time.DateOnly), cert.Leaf.NotAfter.Format(time.DateOnly))
	}
	return &cert, nil
}

// checkAdvertise refuses an advertised host name that the certificate
// covers: SpareLink buyers send the host they dial as SNI, would get the
// operator's certificate, and could not pin the node key with it. A
// certificate for the node key itself passes the pin, so it may cover
// the name.
func checkAdvertise(advertise string, leaf *x509.Certificate, key identity.Key) error {
	host, _, err := net.SplitHostPort(advertise)
	if err != nil || host == "" || net.ParseIP(host) != nil {
		return nil // no name, or an address: clients send no SNI for it
	}
	if pub, ok := leaf.PublicKey.(ed25519.PublicKey); ok && bytes.Equal(pub, key.Public()) {
		return nil
	}
	if leaf.VerifyHostname(host) == nil {
		return fmt.Errorf("%w: advertise the relay's IP address, or a name outside the certificate (%s)", ErrAdvertisedNameCovered, host)
	}
	return nil
}
