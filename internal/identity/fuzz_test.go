package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

// fuzzKey is the exit the fuzzed certificates are pinned to; the seed
// corpus holds a certificate it made.
var fuzzKey = Key{Private: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{0x5a}, ed25519.SeedSize))}

// FuzzVerifyPeerCertificate feeds certificate bytes, as an exit sends them
// over the network, to the buyer's pin check (VerifyConnection, after the
// parse the TLS stack does first). It must never panic and must accept
// only a certificate self-signed by the pinned key.
func FuzzVerifyPeerCertificate(f *testing.F) {
	if cert, err := fuzzKey.TLSCertificate(); err == nil {
		f.Add(cert.Certificate[0])
	}
	f.Add([]byte{})
	f.Add([]byte{0x30, 0x82, 0x01, 0x00})
	verify := PinnedTLSConfig(fuzzKey.Public()).VerifyConnection
	f.Fuzz(func(t *testing.T, der []byte) {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return // the TLS stack refuses it before the pin is asked
		}
		if err := verify(tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}); err != nil {
			return
		}
		pub, ok := cert.PublicKey.(ed25519.PublicKey)
		if !ok || !pub.Equal(fuzzKey.Public()) {
			t.Fatalf("accepted a certificate for another key")
		}
		if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
			t.Fatalf("accepted a certificate that is not self-signed: %v", err)
		}
	})
}

// FuzzLoad reads arbitrary key file contents. Load must never panic, and a
// key it accepts must be exactly the seed in a node key PEM block.
func FuzzLoad(f *testing.F) {
	f.Add(pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: fuzzKey.Private.Seed()}))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("garbage"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "node.key")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		k, err := Load(path)
		if err != nil {
			return
		}
		block, _ := pem.Decode(data)
		if block == nil || block.Type != pemType || !bytes.Equal(block.Bytes, k.Private.Seed()) {
			t.Fatalf("Load accepted %q as key %s", data, k.NodeID())
		}
	})
}
