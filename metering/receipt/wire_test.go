package receipt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestMarshalRoundTrip(t *testing.T) {
	_, nodeKey := newKey(t)
	_, buyerKey := newKey(t)
	tests := []struct {
		name   string
		mutate func(r *Receipt)
	}{
		{"signed only", func(r *Receipt) { r.Sign(nodeKey) }},
		{"countersigned", func(r *Receipt) { r.Sign(nodeKey); r.Countersign(buyerKey) }},
		{"chained", func(r *Receipt) { r.Prev[0], r.Prev[31] = 1, 0xff; r.Sign(nodeKey) }},
		{"longest ids", func(r *Receipt) {
			r.LeaseID, r.NodeID = strings.Repeat("L", MaxIDLen), strings.Repeat("~", MaxIDLen)
			r.Sign(nodeKey)
			r.Countersign(buyerKey)
		}},
		{"huge values", func(r *Receipt) {
			r.Seq, r.Up, r.Down = math.MaxUint64, math.MaxInt64, math.MaxInt64
			r.Time = time.Unix(0, math.MaxInt64)
			r.Sign(nodeKey)
		}},
		{"before 1970", func(r *Receipt) { r.Time = time.Unix(0, math.MinInt64); r.Sign(nodeKey) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sample()
			tt.mutate(r)
			b, err := r.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			if len(b) > MaxEncodedLen {
				t.Fatalf("got %d bytes, want at most %d", len(b), MaxEncodedLen)
			}
			var got Receipt
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			if !sameReceipt(&got, r) {
				t.Fatalf("got %+v, want %+v", got, *r)
			}
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Fatalf("re-encoded %x (err %v), want %x", again, err, b)
			}
		})
	}
}

func TestMarshalRefuses(t *testing.T) {
	_, key := newKey(t)
	tests := []struct {
		name   string
		mutate func(r *Receipt)
	}{
		{"unsigned", func(r *Receipt) {}},
		{"short signature", func(r *Receipt) { r.Sign(key); r.Sig = r.Sig[:10] }},
		{"odd countersignature", func(r *Receipt) { r.Sign(key); r.BuyerSig = []byte{1, 2, 3} }},
		{"invalid field", func(r *Receipt) { r.Sign(key); r.NodeID = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sample()
			tt.mutate(r)
			if b, err := r.MarshalBinary(); !errors.Is(err, ErrMalformed) {
				t.Fatalf("MarshalBinary() = %x, %v, want ErrMalformed", b, err)
			}
			if got := Encode(r); got != "" {
				t.Fatalf("Encode() = %q, want empty", got)
			}
		})
	}
}

// TestTamper flips every bit of an encoded, countersigned receipt: each
// result must either fail to decode or fail verification. Changes to the
// countersignature leave the node's signature valid but not the
// countersignature; any other change breaks both.
func TestTamper(t *testing.T) {
	nodePub, nodeKey := newKey(t)
	buyerPub, buyerKey := newKey(t)
	b, err := signed(t, nodeKey, buyerKey).MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	buyerSigStart := len(b) - 64
	for i := range b {
		for bit := 0; bit < 8; bit++ {
			mod := bytes.Clone(b)
			mod[i] ^= 1 << bit
			var r Receipt
			if err := r.UnmarshalBinary(mod); err != nil {
				continue
			}
			if err := r.VerifyCountersign(buyerPub); err == nil {
				t.Fatalf("byte %d bit %d: countersignature still verifies", i, bit)
			}
			if err := r.Verify(nodePub); (err == nil) != (i >= buyerSigStart) {
				t.Fatalf("byte %d bit %d: Verify() = %v", i, bit, err)
			}
		}
	}
}

func TestUnmarshalRejects(t *testing.T) {
	_, key := newKey(t)
	good, err := func() ([]byte, error) { r := sample(); r.Sign(key); return r.MarshalBinary() }()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	leaseLen := int(good[1])
	countersOff := 2 + leaseLen + 1 + int(good[2+leaseLen])
	patch := func(off int, v byte) []byte { b := bytes.Clone(good); b[off] = v; return b }
	putU64 := func(off int, v uint64) []byte {
		b := bytes.Clone(good)
		binary.BigEndian.PutUint64(b[off:], v)
		return b
	}
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"version 0", patch(0, 0)},
		{"version 1", patch(0, 1)},
		{"version 3", patch(0, 3)},
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"countersignature length 1", append(bytes.Clone(good[:len(good)-1]), 1, 0)},
		{"lease length over max", patch(1, MaxIDLen+1)},
		{"lease length 255", patch(1, 255)},
		{"empty lease", append([]byte{Version, 0}, good[2+leaseLen:]...)},
		{"control byte in lease", patch(2, 0x01)},
		{"zero seq", putU64(countersOff, 0)},
		{"negative up", putU64(countersOff+8, 1<<63)},
		{"negative down", putU64(countersOff+16, math.MaxUint64)},
		{"signature length 63", patch(countersOff+32+HashSize, 63)},
		{"signature length 0", patch(countersOff+32+HashSize, 0)},
		{"too long", make([]byte, MaxEncodedLen+1)},
	}
	for n := 1; n < len(good)-1; n++ {
		tests = append(tests, struct {
			name string
			data []byte
		}{"truncated", good[:n]})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sample()
			before := *r
			if err := r.UnmarshalBinary(tt.data); !errors.Is(err, ErrMalformed) {
				t.Fatalf("UnmarshalBinary(%x) = %v, want ErrMalformed", tt.data, err)
			}
			if !sameReceipt(r, &before) {
				t.Fatalf("receipt changed on error: got %+v, want %+v", *r, before)
			}
		})
	}
}

func TestUnmarshalDoesNotAlias(t *testing.T) {
	_, key := newKey(t)
	r := sample()
	r.Sign(key)
	b, err := r.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	var got Receipt
	if err := got.UnmarshalBinary(b); err != nil {
		t.Fatalf("UnmarshalBinary: %v", err)
	}
	for i := range b {
		b[i] = 0
	}
	if !bytes.Equal(got.Sig, r.Sig) {
		t.Fatalf("Sig = %x after clearing input, want %x", got.Sig, r.Sig)
	}
}
