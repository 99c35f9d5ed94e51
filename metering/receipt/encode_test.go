package receipt

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestEncodeDecode(t *testing.T) {
	nodePub, nodeKey := newKey(t)
	buyerPub, buyerKey := newKey(t)
	r := signed(t, nodeKey, buyerKey)
	s := Encode(r)
	if s == "" || strings.ContainsAny(s, "+/=") {
		t.Fatalf("Encode() = %q, want unpadded base64url", s)
	}
	got, err := Decode(s)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !sameReceipt(got, r) {
		t.Fatalf("got %+v, want %+v", *got, *r)
	}
	if err := got.Verify(nodePub); err != nil {
		t.Fatalf("Verify() = %v, want nil", err)
	}
	if err := got.VerifyCountersign(buyerPub); err != nil {
		t.Fatalf("VerifyCountersign() = %v, want nil", err)
	}
}

func TestDecodeRejects(t *testing.T) {
	_, nodeKey := newKey(t)
	_, buyerKey := newKey(t)
	r := signed(t, nodeKey, buyerKey)
	good := Encode(r)
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	partial := good
	for len(partial)%4 == 0 || len(partial)%4 == 1 { // lengthen until the last group is partial
		r.LeaseID += "x"
		r.Sign(nodeKey)
		partial = Encode(r)
	}
	tests := []struct {
		name string
		s    string
	}{
		{"empty", ""},
		{"padded", base64.URLEncoding.EncodeToString(append(raw, 0))},
		{"standard alphabet", base64.RawStdEncoding.EncodeToString(append([]byte{0xfb, 0xff}, raw...))},
		{"newline inside", good[:10] + "\n" + good[10:]},
		{"carriage return at end", good + "\r"},
		{"space", " " + good},
		{"non-canonical trailing bits", withTrailingBits(t, partial)},
		{"too long", strings.Repeat("A", 1000)},
		{"valid base64 of junk", base64.RawURLEncoding.EncodeToString([]byte("hello receipt"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Decode(tt.s); !errors.Is(err, ErrMalformed) {
				t.Fatalf("Decode(%q) = %+v, %v, want ErrMalformed", tt.s, got, err)
			}
		})
	}
}

// withTrailingBits sets the lowest unused bit of s's last character, giving
// a spelling that lenient decoders map to the same bytes as s.
func withTrailingBits(t *testing.T, s string) string {
	t.Helper()
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	if len(s)%4 == 0 || len(s)%4 == 1 {
		t.Fatalf("encoding of %d characters has no partial group", len(s))
	}
	v := strings.IndexByte(alphabet, s[len(s)-1])
	mod := s[:len(s)-1] + string(alphabet[v|1])
	a, errA := base64.RawURLEncoding.DecodeString(s)
	b, errB := base64.RawURLEncoding.DecodeString(mod)
	if errA != nil || errB != nil || string(a) != string(b) {
		t.Fatalf("lenient decoding differs: %v %v", errA, errB)
	}
	return mod
}
