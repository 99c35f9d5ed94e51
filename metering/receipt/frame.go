package receipt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FrameHeaderLen is the length prefix of a frame on a receipt stream.
const FrameHeaderLen = 2

// StreamProtocol is the :protocol of the extended CONNECT request (RFC
// 9220) with which a buyer opens a lease's receipt stream on its QUIC
// connection to an exit. docs/metering.md describes the stream.
const StreamProtocol = "sparelink-receipts"

// AppendFrame appends r as one frame of a receipt stream: MarshalBinary's
// bytes after their length as a big-endian uint16. Both directions of a
// stream carry the same frames: the exit sends receipts it signed, the
// buyer sends them back countersigned.
func AppendFrame(b []byte, r *Receipt) ([]byte, error) {
	data, err := r.MarshalBinary()
	if err != nil {
		return b, err
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(data)))
	return append(b, data...), nil
}

// WriteFrame writes r as one frame with a single Write, so that
// concurrent writers of whole frames never interleave on a stream that
// serialises Writes.
func WriteFrame(w io.Writer, r *Receipt) error {
	b, err := AppendFrame(make([]byte, 0, FrameHeaderLen+MaxEncodedLen), r)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write receipt frame: %w", err)
	}
	return nil
}

// ReadFrame reads one frame and decodes its receipt strictly. A clean end
// of the stream before a frame returns io.EOF; a frame cut short returns
// io.ErrUnexpectedEOF; a length above MaxEncodedLen or an invalid receipt
// returns an error wrapping ErrMalformed, after which the stream is out of
// step and must be abandoned. Signatures are not checked.
func ReadFrame(r io.Reader) (*Receipt, error) {
	var hdr [FrameHeaderLen]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if n > MaxEncodedLen {
		return nil, fmt.Errorf("%w: frame of %d bytes, max %d", ErrMalformed, n, MaxEncodedLen)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	rc := new(Receipt)
	if err := rc.UnmarshalBinary(buf); err != nil {
		return nil, err
	}
	return rc, nil
}
