package lease

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyRejects(t *testing.T) {
	s := testSigner(t)
	good := mustIssue(t, s, testClaims())
	parts := strings.Split(good, ".")
	other, err := NewSigningKey()
	if err != nil {
		t.Fatalf("NewSigningKey: %v", err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		t.Fatalf("decode signature: %v", err)
	}
	short := parts[0] + "." + parts[1] + "." + b64.EncodeToString(sig[:40])
	impostor := Signer{KeyID: s.KeyID, Key: other.Key}
	raw := `{"kid":"` + s.KeyID + `","lid":"ls_1","nid":"nd_node1","proto":["quic"],"rate":0,"cap":0,"iat":1893553445,"exp":1893554045}`
	withNode := func(node string) string {
		c := testClaims()
		c.NodeID = node
		return mustIssue(t, s, c)
	}
	tests := []struct {
		name  string
		token string
		node  string
		want  error
	}{
		{"empty", "", "nd_node1", ErrMalformed},
		{"too long", good + strings.Repeat("A", MaxTokenSize), "nd_node1", ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], "nd_node1", ErrMalformed},
		{"four parts", good + ".x", "nd_node1", ErrMalformed},
		{"wrong version", "slt2." + parts[1] + "." + parts[2], "nd_node1", ErrMalformed},
		{"padded claims", parts[0] + "." + parts[1] + "=." + parts[2], "nd_node1", ErrMalformed},
		{"std base64", parts[0] + "." + strings.NewReplacer("-", "+", "_", "/").Replace(parts[1]) + "+." + parts[2], "nd_node1", ErrMalformed},
		{"bad signature encoding", parts[0] + "." + parts[1] + ".!!", "nd_node1", ErrMalformed},
		{"unknown field", signRaw(s, strings.Replace(raw, `"kid"`, `"x":1,"kid"`, 1)), "nd_node1", ErrMalformed},
		{"missing field", signRaw(s, strings.Replace(raw, `"rate":0,`, ``, 1)), "nd_node1", ErrMalformed},
		{"duplicate field", signRaw(s, strings.Replace(raw, `"rate":0,`, `"rate":0,"rate":0,`, 1)), "nd_node1", ErrMalformed},
		{"trailing data", signRaw(s, raw+"{}"), "nd_node1", ErrMalformed},
		{"whitespace", signRaw(s, strings.Replace(raw, `,`, `, `, 1)), "nd_node1", ErrMalformed},
		{"empty lease", signRaw(s, strings.Replace(raw, `"ls_1"`, `""`, 1)), "nd_node1", ErrMalformed},
		{"not json", signRaw(s, "hello"), "nd_node1", ErrMalformed},
		{"canonical payload", signRaw(s, raw), "nd_node1", nil},
		{"unknown key", mustIssue(t, other, testClaims()), "nd_node1", ErrUnknownKey},
		{"signed by impostor", mustIssue(t, impostor, testClaims()), "nd_node1", ErrBadSignature},
		{"truncated signature", short, "nd_node1", ErrBadSignature},
		{"wrong node", good, "nd_node2", ErrWrongNode},
		{"empty node", withNode("nd_other"), "", ErrWrongNode},
	}
	v, _ := newTestVerifier(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v.Verify(tt.token, tt.node)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify: got error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyClock(t *testing.T) {
	s := testSigner(t)
	c := testClaims()
	tok := mustIssue(t, s, c)
	tests := []struct {
		name string
		now  time.Time
		want error
	}{
		{"just issued", c.IssuedAt, nil},
		{"issued within skew", c.IssuedAt.Add(-ClockSkew), nil},
		{"issued beyond skew", c.IssuedAt.Add(-ClockSkew - time.Second), ErrExpired},
		{"last second", c.ExpiresAt.Add(-time.Second), nil},
		{"at expiry", c.ExpiresAt, ErrExpired},
		{"after expiry", c.ExpiresAt.Add(time.Hour), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, clk := newTestVerifier(t, s)
			clk.Set(tt.now)
			_, err := v.Verify(tok, c.NodeID)
			if !errors.Is(err, tt.want) {
				t.Errorf("Verify at %s: got error %v, want %v", tt.now, err, tt.want)
			}
		})
	}
}

func TestRevoke(t *testing.T) {
	s := testSigner(t)
	c := testClaims()
	tok := mustIssue(t, s, c)
	v, clk := newTestVerifier(t, s)
	start := clk.Now()
	v.Revoke("ls_other", start.Add(time.Hour))
	v.Revoke(c.LeaseID, start.Add(2*time.Minute))
	v.Revoke(c.LeaseID, start.Add(time.Minute)) // must not shorten
	steps := []struct {
		name string
		at   time.Time
		want error
	}{
		{"revoked", start, ErrRevoked},
		{"still revoked", start.Add(90 * time.Second), ErrRevoked},
		{"revocation forgotten", start.Add(2 * time.Minute), nil},
	}
	for _, st := range steps {
		clk.Set(st.at)
		if _, err := v.Verify(tok, c.NodeID); !errors.Is(err, st.want) {
			t.Errorf("%s: got error %v, want %v", st.name, err, st.want)
		}
	}
	v.Revoke("ls_new", clk.Now().Add(time.Second)) // prunes expired entries
	v.mu.RLock()
	_, kept := v.revoked[c.LeaseID]
	n := len(v.revoked)
	v.mu.RUnlock()
	if kept || n != 2 {
		t.Errorf("after pruning: got %d revocations (lease kept %v), want 2 without %s", n, kept, c.LeaseID)
	}
}

func TestSetKeysRotation(t *testing.T) {
	oldKey := testSigner(t)
	newKey, err := NewSigningKey()
	if err != nil {
		t.Fatalf("NewSigningKey: %v", err)
	}
	c := testClaims()
	oldTok, newTok := mustIssue(t, oldKey, c), mustIssue(t, newKey, c)
	v, _ := newTestVerifier(t, oldKey)
	steps := []struct {
		name     string
		keys     map[string]ed25519.PublicKey
		old, new error
	}{
		{"before rotation", nil, nil, ErrUnknownKey},
		{"overlap", map[string]ed25519.PublicKey{oldKey.KeyID: oldKey.Public(), newKey.KeyID: newKey.Public()}, nil, nil},
		{"old retired", map[string]ed25519.PublicKey{newKey.KeyID: newKey.Public()}, ErrUnknownKey, nil},
		{"short key ignored", map[string]ed25519.PublicKey{newKey.KeyID: newKey.Public()[:8]}, ErrUnknownKey, ErrUnknownKey},
	}
	for _, st := range steps {
		if st.keys != nil {
			v.SetKeys(st.keys)
		}
		if _, err := v.Verify(oldTok, c.NodeID); !errors.Is(err, st.old) {
			t.Errorf("%s: old token: got error %v, want %v", st.name, err, st.old)
		}
		if _, err := v.Verify(newTok, c.NodeID); !errors.Is(err, st.new) {
			t.Errorf("%s: new token: got error %v, want %v", st.name, err, st.new)
		}
	}
}
