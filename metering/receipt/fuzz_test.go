package receipt

import (
	"bytes"
	"crypto/ed25519"
	"testing"
)

// fuzzSeed returns an encoded receipt signed by a fixed key, so fuzzing
// starts from a valid input.
func fuzzSeed(f *testing.F) []byte {
	f.Helper()
	r := sample()
	r.Sign(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))
	r.Countersign(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, ed25519.SeedSize)))
	b, err := r.MarshalBinary()
	if err != nil {
		f.Fatalf("MarshalBinary: %v", err)
	}
	return b
}

// FuzzUnmarshalReceipt checks that UnmarshalBinary never panics, that
// whatever it accepts is valid and re-encodes to the same bytes, and that
// verifying it never panics either.
func FuzzUnmarshalReceipt(f *testing.F) {
	f.Add(fuzzSeed(f))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Receipt
		if err := r.UnmarshalBinary(data); err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("accepted invalid receipt: %v", err)
		}
		again, err := r.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("re-encoded %x (err %v), want %x", again, err, data)
		}
		pub := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
		_ = r.Verify(pub)
		_ = r.VerifyCountersign(pub)
	})
}

// FuzzDecode checks that Decode never panics and that whatever it accepts
// encodes back to the same string.
func FuzzDecode(f *testing.F) {
	f.Add(Encode(mustUnmarshal(f, fuzzSeed(f))))
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Decode(s)
		if err != nil {
			return
		}
		if got := Encode(r); got != s {
			t.Fatalf("Encode(Decode(%q)) = %q", s, got)
		}
	})
}

func mustUnmarshal(f *testing.F, b []byte) *Receipt {
	f.Helper()
	var r Receipt
	if err := r.UnmarshalBinary(b); err != nil {
		f.Fatalf("UnmarshalBinary: %v", err)
	}
	return &r
}
