package receipt

import (
	"crypto/ed25519"
	"encoding/binary"
	"fmt"
)

// decoder reads a receipt's fields in order. The first error sticks and
// later reads return zero values, so UnmarshalBinary reads straight through
// and checks once.
type decoder struct {
	buf []byte
	off int
	err error
}

// take returns the next n bytes, or nil and records an error when fewer
// remain.
func (d *decoder) take(n int, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.buf)-d.off {
		d.err = fmt.Errorf("%w: truncated at %s (offset %d)", ErrMalformed, what, d.off)
		return nil
	}
	b := d.buf[d.off : d.off+n]
	d.off += n
	return b
}

func (d *decoder) byte() byte {
	if b := d.take(1, "version"); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) uint64(what string) uint64 {
	if b := d.take(8, what); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// field reads a one-byte length of at most limit, then that many bytes.
func (d *decoder) field(limit int, what string) []byte {
	n := d.take(1, what+" length")
	if n == nil {
		return nil
	}
	if int(n[0]) > limit {
		d.err = fmt.Errorf("%w: %s length %d, max %d", ErrMalformed, what, n[0], limit)
		return nil
	}
	return d.take(int(n[0]), what)
}

// sig reads a signature field, which must hold exactly one signature or,
// when optional, nothing. The result is a copy so that the receipt does not
// alias the caller's buffer.
func (d *decoder) sig(what string, optional bool) []byte {
	b := d.field(ed25519.SignatureSize, what)
	if d.err != nil {
		return nil
	}
	if len(b) == 0 && optional {
		return nil
	}
	if len(b) != ed25519.SignatureSize {
		d.err = fmt.Errorf("%w: %s has %d bytes, want %d", ErrMalformed, what, len(b), ed25519.SignatureSize)
		return nil
	}
	return append([]byte(nil), b...)
}

// finish returns the first error, or an error when bytes remain.
func (d *decoder) finish() error {
	if d.err != nil {
		return d.err
	}
	if rest := len(d.buf) - d.off; rest != 0 {
		return fmt.Errorf("%w: %d trailing bytes", ErrMalformed, rest)
	}
	return nil
}
