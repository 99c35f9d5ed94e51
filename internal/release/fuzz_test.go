package release

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

// fuzzKey is a fixed key, so that fuzzed signatures can be checked
// against it without randomness.
var fuzzKey = SecretKey{ID: KeyID{1, 2, 3, 4, 5, 6, 7, 8}, Key: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))}

func FuzzParseSignature(f *testing.F) {
	sig, _ := fuzzKey.Sign([]byte("m"), "c")
	f.Add(sig, []byte("m"))
	f.Fuzz(func(t *testing.T, data, msg []byte) {
		s, err := ParseSignature(data)
		if err != nil {
			return
		}
		if s.Algorithm != algPrehashed && s.Algorithm != algEd25519 {
			t.Fatalf("parsed algorithm %q", s.Algorithm[:])
		}
		// Verification of anything that parses must not panic.
		_, _ = Verify(fuzzKey.Public(), msg, data)
	})
}

func FuzzParseSums(f *testing.F) {
	f.Add([]byte("2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  a.deb\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sums, err := ParseSums(data)
		if err != nil {
			return
		}
		again, err := ParseSums(FormatSums(sums))
		if err != nil || len(again) != len(sums) {
			t.Fatalf("formatted sums do not parse back: %v (%d of %d)", err, len(again), len(sums))
		}
		for _, s := range sums {
			if !plainName(s.Name) {
				t.Fatalf("accepted name %q", s.Name)
			}
		}
	})
}

func FuzzParsePublicKey(f *testing.F) {
	f.Add(string(fuzzKey.Public().File()))
	f.Fuzz(func(t *testing.T, text string) {
		k, err := ParsePublicKey(text)
		if err != nil {
			return
		}
		if again, err := ParsePublicKey(k.String()); err != nil || again.String() != k.String() {
			t.Fatalf("key %s does not parse back: %v", k, err)
		}
	})
}

// FuzzParseSecretKey gives no password: decryption with the limits of a
// fuzzed file could take a great deal of memory, by design of scrypt.
func FuzzParseSecretKey(f *testing.F) {
	f.Add(fuzzKey.File())
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParseSecretKey(data, nil)
		if err != nil {
			return
		}
		if len(k.Key) != ed25519.PrivateKeySize {
			t.Fatalf("parsed a key of %d bytes", len(k.Key))
		}
	})
}
