package identity

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
)

// newKey generates a key or fails the test.
func newKey(t *testing.T) Key {
	t.Helper()
	k, err := Generate()
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return k
}

// tlsServer accepts TLS connections on 127.0.0.1 with conf, completing the
// handshake and closing each connection. It returns the address.
func tlsServer(t *testing.T, conf *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", conf)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.SetDeadline(time.Now().Add(5 * time.Second))
			_ = c.(*tls.Conn).Handshake()
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return ln.Addr().String()
}

// handshake dials addr with conf and returns the connection state.
func handshake(t *testing.T, addr string, conf *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	d := tls.Dialer{Config: conf}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer c.Close()
	return c.(*tls.Conn).ConnectionState(), nil
}

func TestPinnedHandshake(t *testing.T) {
	exit, other := newKey(t), newKey(t)
	serverConf, err := exit.ServerTLSConfig()
	if err != nil {
		t.Fatalf("ServerTLSConfig: %v", err)
	}
	addr := tlsServer(t, serverConf)
	tests := []struct {
		name    string
		pin     Key
		wantErr error
	}{
		{"right key", exit, nil},
		{"another key", other, ErrPinMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := handshake(t, addr, PinnedTLSConfig(tt.pin.Public()))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("handshake: got %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("handshake: got %v, want success", err)
			}
			if st.Version != tls.VersionTLS13 || st.NegotiatedProtocol != ALPN {
				t.Errorf("got TLS %x ALPN %q, want TLS 1.3 and %q", st.Version, st.NegotiatedProtocol, ALPN)
			}
			if cn := st.PeerCertificates[0].Subject.CommonName; cn != exit.NodeID() {
				t.Errorf("certificate common name: got %q, want %q", cn, exit.NodeID())
			}
		})
	}
}

func TestPinnedHandshakeRefusesNonEd25519Server(t *testing.T) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der := certDER(t, &priv.PublicKey, priv)
	addr := tlsServer(t, &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: priv}},
		NextProtos:   []string{ALPN},
		MinVersion:   tls.VersionTLS13,
	})
	_, err = handshake(t, addr, PinnedTLSConfig(newKey(t).Public()))
	if !errors.Is(err, ErrPinMismatch) {
		t.Fatalf("handshake with an ECDSA exit: got %v, want ErrPinMismatch", err)
	}
}

// certDER makes a certificate for pub signed by signer.
func certDER(t *testing.T, pub, signer any) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, signer)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	return der
}

func TestVerifyConnectionPin(t *testing.T) {
	exit, other := newKey(t), newKey(t)
	own, err := exit.TLSCertificate()
	if err != nil {
		t.Fatalf("TLSCertificate: %v", err)
	}
	tests := []struct {
		name     string
		raw      [][]byte
		ok       bool
		mismatch bool
	}{
		{"own certificate", own.Certificate, true, false},
		{"no certificate", nil, false, true},
		{"another key", [][]byte{certDER(t, other.Public(), other.Private)}, false, true},
		// Anyone can put the exit's public key in a certificate; only the
		// key's holder can self-sign it.
		{"exit key signed by another", [][]byte{certDER(t, exit.Public(), other.Private)}, false, false},
	}
	verify := PinnedTLSConfig(exit.Public()).VerifyConnection
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cs tls.ConnectionState
			for _, der := range tt.raw {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				cs.PeerCertificates = append(cs.PeerCertificates, c)
			}
			err := verify(cs)
			if tt.ok != (err == nil) {
				t.Fatalf("verify: got %v, want ok=%v", err, tt.ok)
			}
			if got := errors.Is(err, ErrPinMismatch); got != tt.mismatch {
				t.Errorf("verify: got %v, want ErrPinMismatch=%v", err, tt.mismatch)
			}
		})
	}
}

func TestPinnedTLSConfigCopiesKey(t *testing.T) {
	exit := newKey(t)
	cert, err := exit.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	pub := exit.Public()
	conf := PinnedTLSConfig(pub)
	pub[0] ^= 0xff // the caller's slice changing must not move the pin
	parsed, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := conf.VerifyConnection(tls.ConnectionState{PeerCertificates: []*x509.Certificate{parsed}}); err != nil {
		t.Fatalf("verify after caller changed its key slice: got %v, want success", err)
	}
}

func TestTLSCertificate(t *testing.T) {
	k := newKey(t)
	c1, err := k.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	c2, err := k.TLSCertificate()
	if err != nil {
		t.Fatal(err)
	}
	x1, err := x509.ParseCertificate(c1.Certificate[0])
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	x2, err := x509.ParseCertificate(c2.Certificate[0])
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if x1.SerialNumber.Cmp(x2.SerialNumber) == 0 {
		t.Errorf("two certificates share serial %s", x1.SerialNumber)
	}
	now := time.Now()
	if now.Before(x1.NotBefore) || now.After(x1.NotAfter) {
		t.Errorf("certificate valid %s to %s, not now", x1.NotBefore, x1.NotAfter)
	}
	if err := x1.CheckSignature(x1.SignatureAlgorithm, x1.RawTBSCertificate, x1.Signature); err != nil {
		t.Errorf("certificate is not self-signed: %v", err)
	}
}
