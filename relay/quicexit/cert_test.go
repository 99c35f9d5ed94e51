package quicexit

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/sparelink/sparelink/internal/identity"
)

// operatorCert makes a CA and a certificate it signs for names, as an
// operator would get from a CA, and returns the certificate and a pool
// trusting the CA.
func operatorCert(t testing.TB, names ...string) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "relay"}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, pool
}

// nodeName is the name in the node key's certificate.
func nodeName(t testing.TB, key identity.Key) string {
	t.Helper()
	c, err := key.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	l, err := x509.ParseCertificate(c.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	return l.DNSNames[0]
}

func TestOperatorCertificate(t *testing.T) {
	const name = "relay.example.test"
	cert, pool := operatorCert(t, name)
	e := newEnvWith(t, newOrigin(t, true), Options{Certificate: &cert}, systemClock{})
	pinned := func(sni string) *tls.Config {
		c := identity.PinnedTLSConfig(e.key.Public())
		c.ServerName = sni
		return c
	}
	caChecked := func(sni string) *tls.Config {
		return &tls.Config{RootCAs: pool, ServerName: sni, NextProtos: []string{identity.ALPN}, MinVersion: tls.VersionTLS13}
	}
	tests := []struct {
		name         string
		conf         *tls.Config
		wantOperator bool
		wantErr      error // nil: the handshake succeeds
	}{
		{"CA-checking client asks for the operator's name", caChecked(name), true, nil},
		{"pinning client sends no name", pinned(""), false, nil},
		{"pinning client asks for the node's name", pinned(nodeName(t, e.key)), false, nil},
		{"pinning client asks for the operator's name", pinned(name), false, identity.ErrPinMismatch},
		{"CA-checking client asks for another name", caChecked("other.example.test"), false, errAnyHandshake},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			conn, err := quic.DialAddr(ctx, e.addr, tt.conf, nil)
			if tt.wantErr != nil {
				if err == nil || (tt.wantErr != errAnyHandshake && !errors.Is(err, tt.wantErr)) {
					t.Fatalf("dial: got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer conn.CloseWithError(0, "")
			peer := conn.ConnectionState().TLS.PeerCertificates[0]
			if got := peer.VerifyHostname(name) == nil; got != tt.wantOperator {
				t.Errorf("got the operator's certificate: %v, want %v", got, tt.wantOperator)
			}
		})
	}
}

// errAnyHandshake stands for any handshake failure.
var errAnyHandshake = errors.New("any handshake error")

func TestNewCertChooserRefuses(t *testing.T) {
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	node, err := key.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	nameless, _ := operatorCert(t)
	tests := []struct {
		name     string
		operator tls.Certificate
		want     error // nil: any error
	}{
		{"no DNS name", nameless, ErrCertificateNames},
		{"empty chain", tls.Certificate{}, nil},
		{"garbage", tls.Certificate{Certificate: [][]byte{[]byte("not DER")}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newCertChooser(node, tt.operator)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("newCertChooser: got %v, want an error (%v)", err, tt.want)
			}
		})
	}
}

// FuzzCertificateFor feeds SNI names, which come from the network, to the
// certificate choice: it must always answer with one of the two
// certificates, and the node's for the node's own name.
func FuzzCertificateFor(f *testing.F) {
	key, err := identity.Generate()
	if err != nil {
		f.Fatal(err)
	}
	node, err := key.TLSCertificate()
	if err != nil {
		f.Fatal(err)
	}
	operator, _ := operatorCert(f, "relay.example.test", "*.relay.example.test")
	c, err := newCertChooser(node, operator)
	if err != nil {
		f.Fatal(err)
	}
	own := nodeName(f, key)
	f.Add("relay.example.test")
	f.Add(own)
	f.Fuzz(func(t *testing.T, serverName string) {
		got := c.forName(serverName)
		if got != c.node && got != c.operator {
			t.Fatalf("forName(%q) returned a third certificate", serverName)
		}
		if serverName == own && got != c.node {
			t.Fatalf("forName(%q): got the operator's certificate, want the node's", serverName)
		}
	})
}
