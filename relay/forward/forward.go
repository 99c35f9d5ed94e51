// Package forward is the rendezvous relay's blind forwarder, for exits
// that no hole can be punched to (symmetric NAT on one side, CGNAT on
// both). The node keeps an outbound UDP association with the relay,
// renewed by signed registrations; buyers send their QUIC packets to the
// relay naming the node; the relay passes each packet on, and the
// answers back, without decrypting anything: QUIC runs end to end between
// the buyer and the exit, with TLS pinned to the node key, so the relay
// sees only ciphertext and sizes. It meters its own leg per node.
//
// Wire format, every packet starting with the version byte:
//
//	register    node → relay   1 'R' pubkey(32) unix-ms(8) sig(64)
//	registered  relay → node   1 'A'
//	to node     buyer → relay  1 'B' len(1) node-id payload
//	from buyer  relay → node   1 'F' session(4) payload
//	to buyer    node → relay   1 'T' session(4) payload
//
// Packets to buyers go out bare: a buyer's socket talks to one relay for
// one node. The package does not choose relays (the broker does) or
// check lease tokens (the exit does).
package forward

import (
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Version is the first byte of every packet but those to buyers.
const Version = 1

// Packet types.
const (
	typeRegister   = 'R'
	typeRegistered = 'A'
	typeToNode     = 'B'
	typeFromBuyer  = 'F'
	typeToBuyer    = 'T'
)

// Sizes.
const (
	registerLen  = 2 + ed25519.PublicKeySize + 8 + ed25519.SignatureSize
	sessionHdr   = 2 + 4
	maxNodeIDLen = 64
	// MaxPacket is the largest packet the forwarder handles, headers
	// included.
	MaxPacket = 1500
)

// registerContext separates registration signatures from every other use
// of the node key.
const registerContext = "sparelink forward register v1\x00"

// ErrMalformed is a packet that does not parse.
var ErrMalformed = errors.New("forward: malformed packet")

// Packet is a parsed packet to or from the relay.
type Packet struct {
	Type    byte
	NodeID  string            // typeToNode
	Session uint32            // typeFromBuyer, typeToBuyer
	Public  ed25519.PublicKey // typeRegister
	At      time.Time         // typeRegister
	Sig     []byte            // typeRegister
	Payload []byte            // aliases the input
}

// Parse reads a packet. It checks shapes, not signatures.
func Parse(b []byte) (Packet, error) {
	if len(b) < 2 || b[0] != Version {
		return Packet{}, fmt.Errorf("%w: no version header", ErrMalformed)
	}
	p := Packet{Type: b[1]}
	switch p.Type {
	case typeRegistered:
		return p, nil
	case typeRegister:
		if len(b) != registerLen {
			return Packet{}, fmt.Errorf("%w: registration of %d bytes", ErrMalformed, len(b))
		}
		p.Public = ed25519.PublicKey(b[2 : 2+ed25519.PublicKeySize])
		ms := binary.BigEndian.Uint64(b[2+ed25519.PublicKeySize:])
		p.At = time.UnixMilli(int64(ms & (1<<63 - 1)))
		p.Sig = b[registerLen-ed25519.SignatureSize:]
		return p, nil
	case typeToNode:
		if len(b) < 3 || int(b[2]) == 0 || int(b[2]) > maxNodeIDLen || len(b) < 3+int(b[2]) {
			return Packet{}, fmt.Errorf("%w: bad node ID", ErrMalformed)
		}
		p.NodeID, p.Payload = string(b[3:3+int(b[2])]), b[3+int(b[2]):]
		return p, nil
	case typeFromBuyer, typeToBuyer:
		if len(b) < sessionHdr {
			return Packet{}, fmt.Errorf("%w: short session header", ErrMalformed)
		}
		p.Session, p.Payload = binary.BigEndian.Uint32(b[2:6]), b[6:]
		return p, nil
	}
	return Packet{}, fmt.Errorf("%w: type %q", ErrMalformed, p.Type)
}

// appendRegister appends a signed registration made at now.
func appendRegister(dst []byte, key ed25519.PrivateKey, now time.Time) []byte {
	dst = append(dst, Version, typeRegister)
	dst = append(dst, key.Public().(ed25519.PublicKey)...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(now.UnixMilli()))
	sig := ed25519.Sign(key, registerMessage(dst[2:2+ed25519.PublicKeySize+8]))
	return append(dst, sig...)
}

// registerMessage is what a registration signs: the context, the key and
// the time.
func registerMessage(keyAndTime []byte) []byte {
	return append([]byte(registerContext), keyAndTime...)
}

// verifyRegister checks a parsed registration's signature.
func verifyRegister(raw []byte, p Packet) bool {
	return ed25519.Verify(p.Public, registerMessage(raw[2:2+ed25519.PublicKeySize+8]), p.Sig)
}

func appendSession(dst []byte, typ byte, session uint32, payload []byte) []byte {
	dst = append(dst, Version, typ)
	dst = binary.BigEndian.AppendUint32(dst, session)
	return append(dst, payload...)
}

func appendToNode(dst []byte, nodeID string, payload []byte) []byte {
	dst = append(dst, Version, typeToNode, byte(len(nodeID)))
	dst = append(dst, nodeID...)
	return append(dst, payload...)
}
