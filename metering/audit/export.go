// Package audit reads, writes and checks the receipt export of a lease:
// the JSON Lines document the broker serves at GET
// /v1/leases/{id}/receipts and `sparelink verify` checks offline.
//
// An export is one "lease" line (price, fee and the buyer's key, if any),
// one "node" line per exit with the node's public key, and one "receipt"
// line per settled receipt in its canonical base64url encoding, ordered by
// node and sequence. Everything a verifier needs is in the file; it
// trusts nothing the broker computed.
//
// The package does not fetch exports nor know the broker's store.
package audit

import (
	"bufio"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sparelink/sparelink/metering/receipt"
)

// ContentType is the media type of an export.
const ContentType = "application/jsonl"

// MaxLineLen bounds one line of an export, in bytes.
const MaxLineLen = 4 << 10

// ErrMalformed means an export line is not valid.
var ErrMalformed = errors.New("malformed receipt export")

// Line kinds.
const (
	KindLease   = "lease"
	KindNode    = "node"
	KindReceipt = "receipt"
)

// Line is one line of an export. Type says which other fields are set.
type Line struct {
	Type string `json:"type"`
	// lease
	LeaseID          string `json:"lease_id,omitempty"`
	PriceMicrosPerGB int64  `json:"price_micros_per_gb,omitempty"`
	FeeBPS           int64  `json:"fee_bps,omitempty"`
	BuyerKey         string `json:"buyer_key,omitempty"` // standard base64
	// node
	NodeID    string `json:"node_id,omitempty"`
	PublicKey string `json:"public_key,omitempty"` // standard base64
	// receipt
	Receipt string `json:"receipt,omitempty"` // receipt.Encode
}

// Export is a decoded export.
type Export struct {
	LeaseID          string
	PriceMicrosPerGB int64
	FeeBPS           int64
	BuyerKey         ed25519.PublicKey // nil: node-attested lease
	NodeKeys         map[string]ed25519.PublicKey
	Receipts         []*receipt.Receipt // in file order
}

// Write writes x as JSON Lines.
func Write(w io.Writer, x *Export) error {
	enc := json.NewEncoder(w)
	lease := Line{Type: KindLease, LeaseID: x.LeaseID, PriceMicrosPerGB: x.PriceMicrosPerGB, FeeBPS: x.FeeBPS}
	if x.BuyerKey != nil {
		lease.BuyerKey = base64.StdEncoding.EncodeToString(x.BuyerKey)
	}
	if err := enc.Encode(lease); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	for _, id := range sortedKeys(x.NodeKeys) {
		l := Line{Type: KindNode, NodeID: id, PublicKey: base64.StdEncoding.EncodeToString(x.NodeKeys[id])}
		if err := enc.Encode(l); err != nil {
			return fmt.Errorf("write export: %w", err)
		}
	}
	for _, r := range x.Receipts {
		if err := enc.Encode(Line{Type: KindReceipt, Receipt: receipt.Encode(r)}); err != nil {
			return fmt.Errorf("write export: %w", err)
		}
	}
	return nil
}

// Read decodes an export strictly: unknown fields, lines longer than
// MaxLineLen, a missing or repeated lease line, a node line after the
// first receipt, a repeated node and undecodable keys or receipts all
// return errors wrapping ErrMalformed. It checks no signature: Verify does.
func Read(r io.Reader) (*Export, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), MaxLineLen)
	x := &Export{NodeKeys: make(map[string]ed25519.PublicKey)}
	n := 0
	for sc.Scan() {
		n++
		l, err := ParseLine(sc.Bytes())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if err := x.add(n, l); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: line %d: %v", ErrMalformed, n+1, err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: empty export", ErrMalformed)
	}
	return x, nil
}
