package lease

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testSeed makes the test signing key deterministic, so the committed fuzz
// corpus holds a token that verifies.
var testSeed = []byte("sparelink lease test signing key")

// epoch is the fixed time the test clock starts at.
var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func testSigner(t testing.TB) Signer {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(testSeed)
	return Signer{KeyID: KeyID(priv.Public().(ed25519.PublicKey)), Key: priv}
}

func testClaims() Claims {
	return Claims{
		LeaseID:   "ls_test1",
		NodeID:    "nd_node1",
		Protocols: []string{"quic", "wg"},
		RateBps:   1 << 20,
		ByteCap:   10 << 20,
		IssuedAt:  epoch,
		ExpiresAt: epoch.Add(10 * time.Minute),
	}
}

// newTestVerifier returns a verifier trusting s and the clock driving it.
func newTestVerifier(t testing.TB, s Signer) (*Verifier, *clock) {
	t.Helper()
	clk := &clock{t: epoch.Add(time.Minute)}
	v := NewVerifier(map[string]ed25519.PublicKey{s.KeyID: s.Public()}, clk.Now)
	return v, clk
}

func mustIssue(t testing.TB, s Signer, c Claims) string {
	t.Helper()
	tok, err := s.Issue(c)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	return tok
}

// signRaw wraps an arbitrary payload in a correctly signed token, to test
// the checks that come after the signature's.
func signRaw(s Signer, raw string) string {
	signed := Version + "." + b64.EncodeToString([]byte(raw))
	return signed + "." + b64.EncodeToString(ed25519.Sign(s.Key, signedMessage(signed)))
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	s := testSigner(t)
	v, _ := newTestVerifier(t, s)
	want := testClaims()
	got, err := v.Verify(mustIssue(t, s, want), want.NodeID)
	if err != nil {
		t.Fatalf("Verify: got error %v, want nil", err)
	}
	want.KeyID = s.KeyID
	if got.LeaseID != want.LeaseID || got.NodeID != want.NodeID || got.KeyID != want.KeyID ||
		got.RateBps != want.RateBps || got.ByteCap != want.ByteCap ||
		!got.IssuedAt.Equal(want.IssuedAt) || !got.ExpiresAt.Equal(want.ExpiresAt) ||
		!slices.Equal(got.Protocols, want.Protocols) {
		t.Errorf("Verify: got %+v, want %+v", got, want)
	}
	if !got.AllowsProtocol("quic") || got.AllowsProtocol("socks") {
		t.Errorf("AllowsProtocol: got quic=%v socks=%v, want true false",
			got.AllowsProtocol("quic"), got.AllowsProtocol("socks"))
	}
}

func TestNewSigningKey(t *testing.T) {
	s, err := NewSigningKey()
	if err != nil {
		t.Fatalf("NewSigningKey: %v", err)
	}
	sum := sha256.Sum256(s.Public())
	if want := hex.EncodeToString(sum[:8]); s.KeyID != want {
		t.Errorf("KeyID: got %q, want %q", s.KeyID, want)
	}
	other, err := NewSigningKey()
	if err != nil {
		t.Fatalf("NewSigningKey: %v", err)
	}
	if other.KeyID == s.KeyID {
		t.Errorf("two keys share KeyID %q", s.KeyID)
	}
}

func TestIssueRejects(t *testing.T) {
	s := testSigner(t)
	tests := []struct {
		name   string
		signer Signer
		edit   func(*Claims)
		want   error
	}{
		{"no key", Signer{KeyID: "k"}, func(*Claims) {}, ErrBadKey},
		{"no key id", Signer{Key: s.Key}, func(*Claims) {}, ErrBadKey},
		{"no lease", s, func(c *Claims) { c.LeaseID = "" }, ErrMalformed},
		{"no node", s, func(c *Claims) { c.NodeID = "" }, ErrMalformed},
		{"no protocols", s, func(c *Claims) { c.Protocols = nil }, ErrMalformed},
		{"empty protocol", s, func(c *Claims) { c.Protocols = []string{""} }, ErrMalformed},
		{"negative cap", s, func(c *Claims) { c.ByteCap = -1 }, ErrMalformed},
		{"negative rate", s, func(c *Claims) { c.RateBps = -1 }, ErrMalformed},
		{"no issue time", s, func(c *Claims) { c.IssuedAt = time.Time{} }, ErrMalformed},
		{"expiry before issue", s, func(c *Claims) { c.ExpiresAt = c.IssuedAt }, ErrMalformed},
		{"invalid utf-8", s, func(c *Claims) { c.LeaseID = "\xff" }, ErrMalformed},
		{"too long", s, func(c *Claims) { c.LeaseID = strings.Repeat("x", MaxTokenSize) }, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := testClaims()
			tt.edit(&c)
			_, err := tt.signer.Issue(c)
			if !errors.Is(err, tt.want) {
				t.Errorf("Issue: got error %v, want %v", err, tt.want)
			}
		})
	}
}
