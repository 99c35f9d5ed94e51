package relayd

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// certFiles writes a self-signed certificate for names, valid from
// notBefore to notAfter, and its key as PEM files in dir. A nil key makes
// a new ECDSA key.
func certFiles(t *testing.T, dir string, key crypto.Signer, notBefore, notAfter time.Time, names ...string) (certPath, keyPath string) {
	t.Helper()
	if key == nil {
		var err error
		if key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			t.Fatal(err)
		}
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relay"}, DNSNames: names,
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writePEM(t, certPath, "CERTIFICATE", der)
	writePEM(t, keyPath, "PRIVATE KEY", keyDER)
	return certPath, keyPath
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestExitOptions(t *testing.T) {
	now := time.Now()
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	valid := func(names ...string) Config {
		d := filepath.Join(dir, names[0])
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		c, k := certFiles(t, d, nil, now.Add(-time.Hour), now.Add(time.Hour), names...)
		return Config{TLSCertFile: c, TLSKeyFile: k}
	}
	expired := func() Config {
		d := filepath.Join(dir, "expired")
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		c, k := certFiles(t, d, nil, now.Add(-2*time.Hour), now.Add(-time.Hour), "relay.example.test")
		return Config{TLSCertFile: c, TLSKeyFile: k}
	}
	forNodeKey := func() Config {
		d := filepath.Join(dir, "node-key")
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		c, k := certFiles(t, d, key.Private, now.Add(-time.Hour), now.Add(time.Hour), "node.example.test")
		return Config{TLSCertFile: c, TLSKeyFile: k, Advertise: "node.example.test:443"}
	}
	nameless := func() Config {
		d := filepath.Join(dir, "nameless")
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		c, k := certFiles(t, d, nil, now.Add(-time.Hour), now.Add(time.Hour))
		return Config{TLSCertFile: c, TLSKeyFile: k}
	}
	mismatched := valid("mismatch.example.test")
	other := valid("other.example.test")
	mismatched.TLSKeyFile = other.TLSKeyFile
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	with := func(c Config, edit func(*Config)) Config { edit(&c); return c }
	tests := []struct {
		name     string
		cfg      Config
		wantErr  error // errAny: any error
		wantCert bool
	}{
		{"no certificate", Config{}, nil, false},
		{"certificate", valid("relay.example.test"), nil, true},
		{"advertised address", with(valid("ip.example.test"), func(c *Config) { c.Advertise = "203.0.113.7:443" }), nil, true},
		{"advertised name outside the certificate", with(valid("cdn.example.test"), func(c *Config) { c.Advertise = "exit.example.test:443" }), nil, true},
		{"advertised name in the certificate", with(valid("pub.example.test"), func(c *Config) { c.Advertise = "pub.example.test:443" }), ErrAdvertisedNameCovered, false},
		{"certificate for the node key", forNodeKey(), nil, true},
		{"certificate without key", Config{TLSCertFile: other.TLSCertFile}, ErrTLSFiles, false},
		{"key without certificate", Config{TLSKeyFile: other.TLSKeyFile}, ErrTLSFiles, false},
		{"expired", expired(), ErrCertExpired, false},
		{"no DNS name", nameless(), quicexit.ErrCertificateNames, false},
		{"key of another certificate", mismatched, errAny, false},
		{"garbage", Config{TLSCertFile: garbage, TLSKeyFile: garbage}, errAny, false},
		{"missing files", Config{TLSCertFile: filepath.Join(dir, "none"), TLSKeyFile: filepath.Join(dir, "none")}, errAny, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, err := exitOptions(tt.cfg, key, now)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && err == nil {
				t.Fatalf("exitOptions: got %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr != nil && tt.wantErr != errAny && !errors.Is(err, tt.wantErr) {
				t.Fatalf("exitOptions: got %v, want %v", err, tt.wantErr)
			}
			if got := opts.Certificate != nil; got != tt.wantCert {
				t.Errorf("certificate loaded: got %v, want %v", got, tt.wantCert)
			}
		})
	}
}

// errAny stands for any error.
var errAny = errors.New("any error")

func TestExitOptionsLimits(t *testing.T) {
	key, err := identity.Generate()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     Config
		rate    int64
		streams int
		retry   float64
	}{
		{"relay defaults", Config{CapacityBps: 125_000_000}, 125_000_000, defaultMaxStreamsPerLease, defaultRetryAbove},
		{"operator's values", Config{CapacityBps: 1_250_000_000, MaxStreamsPerLease: 2048, RetryAbove: 50}, 1_250_000_000, 2048, 50},
		{"Retry always", Config{CapacityBps: 1, RetryAbove: -1}, 1, defaultMaxStreamsPerLease, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := exitOptions(tt.cfg, key, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if o.MaxRateBps != tt.rate || o.MaxStreamsPerLease != tt.streams || o.RetryAbove != tt.retry {
				t.Errorf("got rate %d, streams %d, retry above %v; want %d, %d, %v",
					o.MaxRateBps, o.MaxStreamsPerLease, o.RetryAbove, tt.rate, tt.streams, tt.retry)
			}
		})
	}
}
