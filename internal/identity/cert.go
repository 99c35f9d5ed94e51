package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// ALPN is the application protocol exits speak: HTTP/3.
const ALPN = "h3"

// ErrPinMismatch means the exit presented a certificate for another key than
// the one the broker listed for it.
var ErrPinMismatch = errors.New("exit certificate does not match the node key")

// TLSCertificate makes a self-signed certificate for the node's key. Buyers
// do not check names or a CA chain; they pin the public key (see
// PinnedTLSConfig), so the certificate only has to carry it.
func (k Key) TLSCertificate() (tls.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("certificate serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: k.NodeID()},
		DNSNames:     []string{k.NodeID() + ".exit.sparelink.invalid"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k.Private)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("create certificate: %w", err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k.Private}, nil
}

// ServerTLSConfig is the TLS configuration of an exit serving HTTP/3.
func (k Key) ServerTLSConfig() (*tls.Config, error) {
	cert, err := k.TLSCertificate()
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		NextProtos:   []string{ALPN},
		MinVersion:   tls.VersionTLS13,
	}, nil
}

// PinnedTLSConfig is a client TLS configuration that accepts exactly the
// exit whose certificate carries pub. The pin is checked in
// VerifyConnection, which runs on every connection, resumed ones
// included, so it holds even if a session cache is added later.
func PinnedTLSConfig(pub ed25519.PublicKey) *tls.Config {
	want := bytes.Clone(pub)
	return &tls.Config{
		// Names and CA chains are replaced by the key pin below.
		InsecureSkipVerify: true, // #nosec G402 -- the exit is authenticated by the key pin in VerifyConnection
		NextProtos:         []string{ALPN},
		MinVersion:         tls.VersionTLS13,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return ErrPinMismatch
			}
			cert := cs.PeerCertificates[0]
			got, ok := cert.PublicKey.(ed25519.PublicKey)
			if !ok || !bytes.Equal(got, want) {
				return ErrPinMismatch
			}
			// The handshake signature proves possession of the key; the
			// self-signature proves the certificate was made with it.
			if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
				return fmt.Errorf("exit certificate: %w", err)
			}
			return nil
		},
	}
}
