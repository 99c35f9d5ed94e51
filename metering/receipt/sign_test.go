package receipt

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/sparelink/sparelink/internal/identity"
)

func TestVerify(t *testing.T) {
	nodePub, nodeKey := newKey(t)
	otherPub, _ := newKey(t)
	tests := []struct {
		name    string
		pub     ed25519.PublicKey
		mutate  func(r *Receipt)
		wantErr error
	}{
		{"valid", nodePub, func(r *Receipt) {}, nil},
		{"wrong key", otherPub, func(r *Receipt) {}, ErrBadSignature},
		{"nil key", nil, func(r *Receipt) {}, ErrBadSignature},
		{"short key", nodePub[:31], func(r *Receipt) {}, ErrBadSignature},
		{"no signature", nodePub, func(r *Receipt) { r.Sig = nil }, ErrBadSignature},
		{"short signature", nodePub, func(r *Receipt) { r.Sig = r.Sig[:63] }, ErrBadSignature},
		{"long signature", nodePub, func(r *Receipt) { r.Sig = append(r.Sig, 0) }, ErrBadSignature},
		{"raised up", nodePub, func(r *Receipt) { r.Up++ }, ErrBadSignature},
		{"raised down", nodePub, func(r *Receipt) { r.Down += 1 << 20 }, ErrBadSignature},
		{"other seq", nodePub, func(r *Receipt) { r.Seq++ }, ErrBadSignature},
		{"other lease", nodePub, func(r *Receipt) { r.LeaseID += "x" }, ErrBadSignature},
		{"other node", nodePub, func(r *Receipt) { r.NodeID = "nd_other" }, ErrBadSignature},
		{"other time", nodePub, func(r *Receipt) { r.Time = r.Time.Add(time.Nanosecond) }, ErrBadSignature},
		{"malformed after signing", nodePub, func(r *Receipt) { r.Up = -5 }, ErrMalformed},
		{"countersignature ignored", nodePub, func(r *Receipt) { r.BuyerSig = []byte("junk") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sample()
			r.Sign(nodeKey)
			tt.mutate(r)
			err := r.Verify(tt.pub)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("Verify() = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestCountersign(t *testing.T) {
	_, nodeKey := newKey(t)
	buyerPub, buyerKey := newKey(t)
	otherPub, otherKey := newKey(t)
	tests := []struct {
		name    string
		pub     ed25519.PublicKey
		mutate  func(r *Receipt)
		wantErr error
	}{
		{"valid", buyerPub, func(r *Receipt) {}, nil},
		{"wrong key", otherPub, func(r *Receipt) {}, ErrBadSignature},
		{"short key", buyerPub[:8], func(r *Receipt) {}, ErrBadSignature},
		{"missing", buyerPub, func(r *Receipt) { r.BuyerSig = nil }, ErrBadSignature},
		{"node signature swapped", buyerPub, func(r *Receipt) { r.Sig = bytes.Repeat([]byte{1}, 64) }, ErrBadSignature},
		{"totals changed", buyerPub, func(r *Receipt) { r.Down-- }, ErrBadSignature},
		{"signed by another buyer", buyerPub, func(r *Receipt) { r.Countersign(otherKey) }, ErrBadSignature},
		{"malformed", buyerPub, func(r *Receipt) { r.LeaseID = "" }, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := signed(t, nodeKey, buyerKey)
			tt.mutate(r)
			err := r.VerifyCountersign(tt.pub)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("VerifyCountersign() = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSignClearsCountersign(t *testing.T) {
	nodePub, nodeKey := newKey(t)
	_, buyerKey := newKey(t)
	r := signed(t, nodeKey, buyerKey)
	r.Up += 10
	r.Sign(nodeKey)
	if r.BuyerSig != nil {
		t.Fatalf("BuyerSig = %x after Sign, want nil", r.BuyerSig)
	}
	if err := r.Verify(nodePub); err != nil {
		t.Fatalf("Verify() = %v, want nil", err)
	}
}

// TestNodeSignatureIsNotCountersignature checks that the node's signature
// cannot be presented as a countersignature by the same key, because the
// two cover different bytes.
func TestNodeSignatureIsNotCountersignature(t *testing.T) {
	pub, key := newKey(t)
	r := sample()
	r.Sign(key)
	r.BuyerSig = r.Sig
	if err := r.VerifyCountersign(pub); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("VerifyCountersign() = %v, want ErrBadSignature", err)
	}
}

func TestSigningBytesUnambiguous(t *testing.T) {
	tests := []struct {
		name string
		a, b func(r *Receipt)
	}{
		{"id boundary", func(r *Receipt) { r.LeaseID, r.NodeID = "ab", "c" }, func(r *Receipt) { r.LeaseID, r.NodeID = "a", "bc" }},
		{"up and down swapped", func(r *Receipt) { r.Up, r.Down = 1, 2 }, func(r *Receipt) { r.Up, r.Down = 2, 1 }},
		{"ids swapped", func(r *Receipt) { r.LeaseID, r.NodeID = "x", "y" }, func(r *Receipt) { r.LeaseID, r.NodeID = "y", "x" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ra, rb := sample(), sample()
			tt.a(ra)
			tt.b(rb)
			ga, gb := ra.SigningBytes(), rb.SigningBytes()
			if bytes.Equal(ga, gb) {
				t.Fatalf("SigningBytes equal for different receipts: %x", ga)
			}
			if !bytes.HasPrefix(ga, []byte(signPrefix)) {
				t.Fatalf("SigningBytes = %q..., want prefix %q", ga[:len(signPrefix)], signPrefix)
			}
		})
	}
}

// TestNodeIdentityKey signs with a node key kept on disk by
// internal/identity and verifies with the public key a broker would list.
func TestNodeIdentityKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "node.key")
	k, _, err := identity.LoadOrCreate(path)
	if err != nil {
		t.Fatalf("LoadOrCreate: %v", err)
	}
	reloaded, err := identity.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	r := sample()
	r.NodeID = k.NodeID()
	r.Sign(reloaded.Private)
	if err := r.Verify(k.Public()); err != nil {
		t.Fatalf("Verify() = %v, want nil", err)
	}
	if got, want := identity.NodeID(k.Public()), r.NodeID; got != want {
		t.Fatalf("NodeID = %q, want %q", got, want)
	}
}
