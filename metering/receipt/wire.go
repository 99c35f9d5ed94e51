package receipt

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"
)

// Version is the first byte of every encoded receipt.
const Version = 2

// MaxEncodedLen bounds MarshalBinary's output: version, two IDs with a
// length byte each, four 64-bit fields, the previous receipt's hash, and
// two signatures with a length byte each.
const MaxEncodedLen = 1 + 2*(1+MaxIDLen) + 4*8 + HashSize + 2*(1+ed25519.SignatureSize)

// MarshalBinary encodes the receipt: the version byte, LeaseID and NodeID
// each after a one-byte length, Seq, Up, Down and Time (Unix nanoseconds)
// as big-endian 64-bit integers, the 32 bytes of Prev, then Sig and
// BuyerSig each after a one-byte length. Sig must be present; BuyerSig may be empty. Invalid
// fields return an error wrapping ErrMalformed, so that nothing is sent
// that UnmarshalBinary would refuse.
func (r *Receipt) MarshalBinary() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if len(r.Sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: signature has %d bytes, want %d", ErrMalformed, len(r.Sig), ed25519.SignatureSize)
	}
	if n := len(r.BuyerSig); n != 0 && n != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: countersignature has %d bytes, want 0 or %d", ErrMalformed, n, ed25519.SignatureSize)
	}
	b := make([]byte, 0, MaxEncodedLen)
	b = append(b, Version)
	b = appendBytes8(b, []byte(r.LeaseID))
	b = appendBytes8(b, []byte(r.NodeID))
	b = binary.BigEndian.AppendUint64(b, r.Seq)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Up))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Down))
	b = binary.BigEndian.AppendUint64(b, uint64(r.Time.UnixNano()))
	b = append(b, r.Prev[:]...)
	b = appendBytes8(b, r.Sig)
	return appendBytes8(b, r.BuyerSig), nil
}

func appendBytes8(b, field []byte) []byte {
	b = append(b, byte(len(field)))
	return append(b, field...)
}

// UnmarshalBinary decodes what MarshalBinary produced. It is strict: an
// unknown version, a length out of bounds, a short input, trailing bytes or
// an invalid field return an error wrapping ErrMalformed, and r is left
// unchanged. It never panics and checks no signature.
func (r *Receipt) UnmarshalBinary(data []byte) error {
	if len(data) > MaxEncodedLen {
		return fmt.Errorf("%w: %d bytes, max %d", ErrMalformed, len(data), MaxEncodedLen)
	}
	d := decoder{buf: data}
	if v := d.byte(); v != Version && d.err == nil {
		return fmt.Errorf("%w: version %d, want %d", ErrMalformed, v, Version)
	}
	var out Receipt
	out.LeaseID = string(d.field(MaxIDLen, "lease id"))
	out.NodeID = string(d.field(MaxIDLen, "node id"))
	out.Seq = d.uint64("seq")
	out.Up = int64(d.uint64("up"))
	out.Down = int64(d.uint64("down"))
	out.Time = time.Unix(0, int64(d.uint64("time"))).UTC()
	copy(out.Prev[:], d.take(HashSize, "prev"))
	out.Sig = d.sig("signature", false)
	out.BuyerSig = d.sig("countersignature", true)
	if err := d.finish(); err != nil {
		return err
	}
	if err := out.Validate(); err != nil {
		return err
	}
	*r = out
	return nil
}

// encoding is base64url without padding; Strict refuses non-zero trailing
// bits so that every accepted string is the one Encode would produce.
var encoding = base64.RawURLEncoding.Strict()

// Encode returns MarshalBinary's bytes as unpadded base64url, for JSON APIs
// and headers. It returns "" for a receipt that MarshalBinary refuses.
func Encode(r *Receipt) string {
	b, err := r.MarshalBinary()
	if err != nil {
		return ""
	}
	return encoding.EncodeToString(b)
}

// Decode parses a string made by Encode. Padding, line breaks and any
// other non-canonical spelling are refused with ErrMalformed.
func Decode(s string) (*Receipt, error) {
	if len(s) > encoding.EncodedLen(MaxEncodedLen) {
		return nil, fmt.Errorf("%w: %d characters, max %d", ErrMalformed, len(s), encoding.EncodedLen(MaxEncodedLen))
	}
	// The base64 decoder skips CR and LF; refuse them so that decoding is
	// one-to-one.
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("%w: line break in encoding", ErrMalformed)
	}
	b, err := encoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	r := new(Receipt)
	if err := r.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return r, nil
}
