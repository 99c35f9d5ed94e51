// Package identity is a node's long-term Ed25519 key: how it is generated
// and kept on disk, the node ID derived from it, and the self-signed TLS
// certificate that lets buyers pin an exit to the key the broker listed.
//
// It is shared by the agent and the relay (which own a key) and by the broker
// and the buyer's gateway (which only see public keys).
package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// pemType is the PEM block type of a stored node key (the 32-byte seed).
const pemType = "SPARELINK NODE KEY"

// Key is a node's private identity.
type Key struct {
	Private ed25519.PrivateKey
}

// Public returns the node's public key.
func (k Key) Public() ed25519.PublicKey { return k.Private.Public().(ed25519.PublicKey) }

// NodeID returns the node's ID.
func (k Key) NodeID() string { return NodeID(k.Public()) }

// Generate makes a new random key.
func Generate() (Key, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, fmt.Errorf("generate node key: %w", err)
	}
	return Key{Private: priv}, nil
}

// LoadOrCreate reads the key at path, or generates one and writes it with
// 0600 permissions when the file does not exist. A key file readable by
// group or others is refused, as ssh does.
func LoadOrCreate(path string) (k Key, created bool, err error) {
	k, err = Load(path)
	if err == nil {
		return k, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return Key{}, false, err
	}
	k, err = Generate()
	if err != nil {
		return Key{}, false, err
	}
	if err := k.Save(path); err != nil {
		return Key{}, false, err
	}
	return k, true, nil
}

// Load reads a key written by Save.
func Load(path string) (Key, error) {
	data, err := readPrivateFile(path, "node key")
	if err != nil {
		return Key{}, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != pemType || len(block.Bytes) != ed25519.SeedSize {
		return Key{}, fmt.Errorf("load node key %s: not a %s PEM block", path, pemType)
	}
	return Key{Private: ed25519.NewKeyFromSeed(block.Bytes)}, nil
}

// Save writes the key to path with 0600 permissions, atomically.
func (k Key) Save(path string) error {
	data := pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: k.Private.Seed()})
	return writePrivateFile(path, data, "node key")
}

var nodeIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NodeID derives the stable node ID from a public key: "nd_" and the first
// 20 base32 characters (100 bits) of its SHA-256.
func NodeID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "nd_" + strings.ToLower(nodeIDEncoding.EncodeToString(sum[:])[:20])
}
