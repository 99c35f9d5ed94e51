package receipt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func TestFrameRoundTrip(t *testing.T) {
	_, nodeKey := newKey(t)
	_, buyerKey := newKey(t)
	var stream bytes.Buffer
	want := []*Receipt{signed(t, nodeKey, buyerKey), sample()}
	want[1].Seq++
	want[1].Sign(nodeKey)
	for _, r := range want {
		if err := WriteFrame(&stream, r); err != nil {
			t.Fatalf("WriteFrame: %v", err)
		}
	}
	for i, w := range want {
		got, err := ReadFrame(&stream)
		if err != nil {
			t.Fatalf("ReadFrame #%d: %v", i, err)
		}
		if !sameReceipt(got, w) {
			t.Fatalf("frame %d: got %+v, want %+v", i, *got, *w)
		}
	}
	if _, err := ReadFrame(&stream); err != io.EOF {
		t.Fatalf("ReadFrame at end = %v, want io.EOF", err)
	}
}

func TestReadFrameRejects(t *testing.T) {
	_, key := newKey(t)
	r := sample()
	r.Sign(key)
	good, err := AppendFrame(nil, r)
	if err != nil {
		t.Fatalf("AppendFrame: %v", err)
	}
	long := binary.BigEndian.AppendUint16(nil, MaxEncodedLen+1)
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"half a header", good[:1], io.ErrUnexpectedEOF},
		{"header only", good[:2], io.ErrUnexpectedEOF},
		{"cut short", good[:len(good)-1], io.ErrUnexpectedEOF},
		{"too long", append(long, make([]byte, MaxEncodedLen+1)...), ErrMalformed},
		{"junk receipt", append([]byte{0, 3}, 1, 2, 3), ErrMalformed},
		{"empty frame", []byte{0, 0}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := ReadFrame(bytes.NewReader(tt.data)); !errors.Is(err, tt.want) {
				t.Fatalf("ReadFrame() = %v, %v, want %v", got, err, tt.want)
			}
		})
	}
}

func TestAppendFrameRefusesUnsigned(t *testing.T) {
	if _, err := AppendFrame(nil, sample()); !errors.Is(err, ErrMalformed) {
		t.Fatalf("AppendFrame(unsigned) = %v, want ErrMalformed", err)
	}
}

// FuzzReadFrame reads frames from arbitrary bytes: it must never panic, and
// every receipt it accepts must frame back to the bytes it came from.
func FuzzReadFrame(f *testing.F) {
	f.Add(append([]byte{0, byte(len(fuzzSeed(f)))}, fuzzSeed(f)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd := bytes.NewReader(data)
		for {
			start := len(data) - rd.Len()
			r, err := ReadFrame(rd)
			if err != nil {
				return
			}
			end := len(data) - rd.Len()
			again, err := AppendFrame(nil, r)
			if err != nil || !bytes.Equal(again, data[start:end]) {
				t.Fatalf("re-framed %x (err %v), want %x", again, err, data[start:end])
			}
		}
	})
}
