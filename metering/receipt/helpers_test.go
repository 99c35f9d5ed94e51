package receipt

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"
)

// newKey returns a fresh Ed25519 key pair.
func newKey(t testing.TB) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	return pub, priv
}

// sample returns a valid, unsigned receipt.
func sample() *Receipt {
	return &Receipt{
		LeaseID: "ls_4h2k9x7q",
		NodeID:  "nd_abcdefghij234567klmn",
		Seq:     7,
		Up:      123456,
		Down:    9876543210,
		Time:    time.Unix(1780000000, 123456789).UTC(),
	}
}

// signed returns sample signed by node and countersigned by buyer.
func signed(t testing.TB, node, buyer ed25519.PrivateKey) *Receipt {
	t.Helper()
	r := sample()
	r.Sign(node)
	r.Countersign(buyer)
	return r
}

// sameReceipt reports whether a and b hold the same fields, comparing
// times by instant.
func sameReceipt(a, b *Receipt) bool {
	return a.LeaseID == b.LeaseID && a.NodeID == b.NodeID && a.Seq == b.Seq &&
		a.Up == b.Up && a.Down == b.Down && a.Time.Equal(b.Time) && a.Prev == b.Prev &&
		string(a.Sig) == string(b.Sig) && string(a.BuyerSig) == string(b.BuyerSig)
}
