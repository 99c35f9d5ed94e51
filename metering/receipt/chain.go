package receipt

import (
	"crypto/sha256"
	"fmt"
)

// HashSize is the size of a receipt's Hash and of its Prev field.
const HashSize = sha256.Size

// chainPrefix separates chain hashes from any other SHA-256 of the same
// bytes.
const chainPrefix = "sparelink receipt chain v1\x00"

// Hash returns the receipt's link in its lease's hash chain: SHA-256 of a
// domain prefix followed by SigningBytes. It covers every field the node
// signs, Prev included, so each link commits to the whole chain before
// it; it leaves out both signatures, so adding a countersignature, which
// happens after the next receipt may already be issued, does not change
// the link.
func (r *Receipt) Hash() [HashSize]byte {
	h := sha256.New()
	h.Write([]byte(chainPrefix))
	h.Write(r.SigningBytes())
	var out [HashSize]byte
	h.Sum(out[:0])
	return out
}

// CheckLink reports whether next may follow prev in a hash chain:
// CheckNext's order rules, and next.Prev equal to prev.Hash() (ErrBrokenChain).
// A nil prev means next starts the chain, whose Prev must then be all zeros.
func CheckLink(prev, next *Receipt) error {
	if err := CheckNext(prev, next); err != nil {
		return err
	}
	var want [HashSize]byte
	if prev != nil {
		want = prev.Hash()
	}
	if next.Prev != want {
		return fmt.Errorf("%w: seq %d does not link to the receipt before it", ErrBrokenChain, next.Seq)
	}
	return nil
}
