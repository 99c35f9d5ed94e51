package receipt

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
)

// signPrefix separates receipt signatures from anything else a node key
// signs (TLS certificates, broker challenges).
const signPrefix = "sparelink receipt v2\x00"

// SigningBytes returns the canonical bytes the node signs: signPrefix, then
// LeaseID and NodeID each preceded by its length as a big-endian uint32,
// then Seq, Up, Down and Time (Unix nanoseconds) as big-endian 64-bit
// integers, then the 32 bytes of Prev. Every field but the signatures is
// covered, and the length prefixes make the encoding unambiguous for any
// field values.
func (r *Receipt) SigningBytes() []byte {
	b := make([]byte, 0, len(signPrefix)+8+len(r.LeaseID)+len(r.NodeID)+32+HashSize)
	b = append(b, signPrefix...)
	b = appendString32(b, r.LeaseID)
	b = appendString32(b, r.NodeID)
	b = binary.BigEndian.AppendUint64(b, r.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Up))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Down))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixNano()))
	return append(b, r.Prev[:]...)
}

// countersignBytes is what the buyer signs: SigningBytes followed by the
// node's signature with its length, so a countersignature vouches for the
// exact signed receipt it saw.
func (r *Receipt) countersignBytes() []byte {
	b := r.SigningBytes()
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.Sig)))
	return append(b, r.Sig...)
}

func appendString32(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Sign sets Sig to the node's signature over SigningBytes and clears any
// countersignature, which would no longer match. key must be a full
// Ed25519 private key; a key of the wrong length is a programming error and
// panics, as in crypto/ed25519.
func (r *Receipt) Sign(key ed25519.PrivateKey) {
	r.Sig = ed25519.Sign(key, r.SigningBytes())
	r.BuyerSig = nil
}

// Verify checks that the fields are valid (ErrMalformed) and that Sig is
// pub's signature over SigningBytes (ErrBadSignature). It does not look at
// BuyerSig.
func (r *Receipt) Verify(pub ed25519.PublicKey) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return verify("node", pub, r.SigningBytes(), r.Sig)
}

// Countersign sets BuyerSig to the buyer's signature over SigningBytes and
// Sig. Call it only after Verify succeeded and the totals agree with the
// buyer's own count. A key of the wrong length panics, as in Sign.
func (r *Receipt) Countersign(key ed25519.PrivateKey) {
	r.BuyerSig = ed25519.Sign(key, r.countersignBytes())
}

// VerifyCountersign checks that the fields are valid (ErrMalformed) and
// that BuyerSig is pub's signature over SigningBytes and Sig
// (ErrBadSignature). It does not check Sig itself; call Verify for that.
func (r *Receipt) VerifyCountersign(pub ed25519.PublicKey) error {
	if err := r.Validate(); err != nil {
		return err
	}
	return verify("buyer", pub, r.countersignBytes(), r.BuyerSig)
}

// verify wraps ed25519.Verify so that keys and signatures of the wrong
// length, which may come from the network, return errors instead of
// panicking.
func verify(who string, pub ed25519.PublicKey, msg, sig []byte) error {
	if len(pub) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: %s public key has %d bytes", ErrBadSignature, who, len(pub))
	}
	if len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("%w: %s signature has %d bytes", ErrBadSignature, who, len(sig))
	}
	if !ed25519.Verify(pub, msg, sig) {
		return fmt.Errorf("%w: %s signature does not verify", ErrBadSignature, who)
	}
	return nil
}
