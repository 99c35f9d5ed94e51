package audit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/sparelink/sparelink/metering/receipt"
)

// ParseLine decodes one export line strictly: one JSON object with known
// fields only and a known type.
func ParseLine(b []byte) (Line, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var l Line
	if err := dec.Decode(&l); err != nil {
		return Line{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return Line{}, fmt.Errorf("%w: data after the object", ErrMalformed)
	}
	switch l.Type {
	case KindLease, KindNode, KindReceipt:
		return l, nil
	}
	return Line{}, fmt.Errorf("%w: unknown line type %q", ErrMalformed, l.Type)
}

// add applies one parsed line to x; n is its line number.
func (x *Export) add(n int, l Line) error {
	switch {
	case l.Type == KindLease && n != 1:
		return fmt.Errorf("%w: lease line must come first", ErrMalformed)
	case l.Type != KindLease && n == 1:
		return fmt.Errorf("%w: export must start with the lease line", ErrMalformed)
	}
	switch l.Type {
	case KindLease:
		return x.addLease(l)
	case KindNode:
		return x.addNode(l)
	}
	r, err := receipt.Decode(l.Receipt)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	x.Receipts = append(x.Receipts, r)
	return nil
}

func (x *Export) addLease(l Line) error {
	if l.LeaseID == "" || l.PriceMicrosPerGB < 0 || l.FeeBPS < 0 {
		return fmt.Errorf("%w: lease line needs lease_id and non-negative price and fee", ErrMalformed)
	}
	x.LeaseID, x.PriceMicrosPerGB, x.FeeBPS = l.LeaseID, l.PriceMicrosPerGB, l.FeeBPS
	if l.BuyerKey == "" {
		return nil
	}
	k, err := decodeKey(l.BuyerKey)
	if err != nil {
		return fmt.Errorf("buyer_key: %w", err)
	}
	x.BuyerKey = k
	return nil
}

func (x *Export) addNode(l Line) error {
	if len(x.Receipts) > 0 {
		return fmt.Errorf("%w: node line after receipts", ErrMalformed)
	}
	if _, dup := x.NodeKeys[l.NodeID]; dup || l.NodeID == "" {
		return fmt.Errorf("%w: node %q missing or repeated", ErrMalformed, l.NodeID)
	}
	k, err := decodeKey(l.PublicKey)
	if err != nil {
		return fmt.Errorf("node %s: %w", l.NodeID, err)
	}
	x.NodeKeys[l.NodeID] = k
	return nil
}

func decodeKey(s string) (ed25519.PublicKey, error) {
	k, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(k) != ed25519.PublicKeySize || base64.StdEncoding.EncodeToString(k) != s {
		return nil, fmt.Errorf("%w: not a base64 Ed25519 public key", ErrMalformed)
	}
	return k, nil
}

func sortedKeys(m map[string]ed25519.PublicKey) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}
