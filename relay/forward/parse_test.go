package forward

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	at := time.UnixMilli(1_700_000_000_000)
	reg := appendRegister(nil, priv, at)
	cases := []struct {
		name    string
		in      []byte
		want    Packet
		wantErr bool
	}{
		{"registration", reg, Packet{Type: typeRegister, Public: pub, At: at}, false},
		{"acknowledgement", []byte{Version, typeRegistered}, Packet{Type: typeRegistered}, false},
		{"to node", appendToNode(nil, "nd_abc", []byte("q")), Packet{Type: typeToNode, NodeID: "nd_abc", Payload: []byte("q")}, false},
		{"to buyer", appendSession(nil, typeToBuyer, 7, []byte("r")), Packet{Type: typeToBuyer, Session: 7, Payload: []byte("r")}, false},
		{"empty", nil, Packet{}, true},
		{"wrong version", []byte{2, typeRegistered}, Packet{}, true},
		{"unknown type", []byte{Version, 'Z'}, Packet{}, true},
		{"short registration", reg[:40], Packet{}, true},
		{"node ID longer than packet", []byte{Version, typeToNode, 9, 'n'}, Packet{}, true},
		{"empty node ID", []byte{Version, typeToNode, 0}, Packet{}, true},
		{"short session", []byte{Version, typeFromBuyer, 1, 2}, Packet{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("got %+v, %v; want ErrMalformed", got, err)
				}
				return
			}
			if err != nil || got.Type != tc.want.Type || got.NodeID != tc.want.NodeID || got.Session != tc.want.Session ||
				!bytes.Equal(got.Payload, tc.want.Payload) || !got.At.Equal(tc.want.At) || !bytes.Equal(got.Public, tc.want.Public) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if p, _ := Parse(reg); !verifyRegister(reg, p) {
		t.Errorf("verify own registration: got false, want true")
	}
}

func FuzzParse(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(nil)
	f.Add(appendRegister(nil, priv, time.Now()))
	f.Add(appendToNode(nil, "nd_abc", []byte("payload")))
	f.Add(appendSession(nil, typeFromBuyer, 1, []byte("p")))
	f.Add([]byte{Version, typeRegistered})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if p.Type == typeRegister {
			_ = verifyRegister(b, p) // must not panic on any key bytes
		}
		if len(p.Payload) > len(b) || len(p.NodeID) > maxNodeIDLen {
			t.Fatalf("parsed %d bytes into payload %d, node ID %d", len(b), len(p.Payload), len(p.NodeID))
		}
	})
}
