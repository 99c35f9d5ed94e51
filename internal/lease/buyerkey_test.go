package lease

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
)

// testBuyerKey is a fixed buyer public key.
func testBuyerKey() ed25519.PublicKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{5}, ed25519.SeedSize)).Public().(ed25519.PublicKey)
}

func TestBuyerKeyRoundTrip(t *testing.T) {
	s := testSigner(t)
	v, _ := newTestVerifier(t, s)
	tests := []struct {
		name string
		key  ed25519.PublicKey
	}{
		{"no buyer key", nil},
		{"buyer key", testBuyerKey()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClaims()
			c.BuyerKey = tt.key
			tok := mustIssue(t, s, c)
			if got := strings.Contains(decodeClaims(t, tok), `"bk"`); got != (tt.key != nil) {
				t.Fatalf("claims hold bk: got %v, want %v", got, tt.key != nil)
			}
			got, err := v.Verify(tok, c.NodeID)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if !bytes.Equal(got.BuyerKey, tt.key) {
				t.Fatalf("BuyerKey = %x, want %x", got.BuyerKey, tt.key)
			}
		})
	}
}

// TestBuyerKeyCanonical checks that bk keeps one encoding per claim set:
// an empty bk, a key of the wrong size or a non-canonical spelling are
// refused even when correctly signed.
func TestBuyerKeyCanonical(t *testing.T) {
	s := testSigner(t)
	v, _ := newTestVerifier(t, s)
	base := `{"kid":"` + s.KeyID + `","lid":"ls_test1","nid":"nd_node1","proto":["quic"],"rate":0,"cap":0,"iat":1893553445,"exp":1893554045`
	key := b64.EncodeToString(testBuyerKey())
	tests := []struct {
		name string
		raw  string
		ok   bool
	}{
		{"old token", base + `}`, true},
		{"with key", base + `,"bk":"` + key + `"}`, true},
		{"empty bk", base + `,"bk":""}`, false},
		{"short key", base + `,"bk":"` + key[:20] + `"}`, false},
		{"padded key", base + `,"bk":"` + key + `="}`, false},
		{"standard alphabet", base + `,"bk":"+` + key[1:] + `"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(signRaw(s, tt.raw), "nd_node1")
			if tt.ok && err != nil {
				t.Fatalf("Verify() = %v, want nil", err)
			}
			if !tt.ok && !errors.Is(err, ErrMalformed) {
				t.Fatalf("Verify() = %v, want ErrMalformed", err)
			}
		})
	}
}

func TestIssueRejectsBadBuyerKey(t *testing.T) {
	c := testClaims()
	c.BuyerKey = make([]byte, 31)
	if tok, err := testSigner(t).Issue(c); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Issue() = %q, %v, want ErrMalformed", tok, err)
	}
}

func decodeClaims(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("decode claims: %v", err)
	}
	return string(raw)
}
