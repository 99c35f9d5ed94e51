package lease

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// b64 is the encoding of both token parts: unpadded base64url that rejects
// non-canonical trailing bits, so each part has exactly one spelling.
var b64 = base64.RawURLEncoding.Strict()

// token is a token split into its parts, not yet checked for signature.
type token struct {
	signed  string // "slt1.<payload>", what the signature covers
	payload payload
	sig     []byte
}

// signedMessage is the exact byte string a signature covers.
func signedMessage(signed string) []byte {
	return []byte(domain + signed)
}

// encodePayload renders claims as the canonical JSON payload.
func encodePayload(p payload) ([]byte, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode lease claims: %w", err)
	}
	return data, nil
}

// parse splits and decodes a token strictly. It checks form only; the
// caller checks the signature.
func parse(s string) (token, error) {
	if len(s) > MaxTokenSize {
		return token{}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxTokenSize)
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 || parts[0] != Version {
		return token{}, fmt.Errorf("%w: want %s.<claims>.<signature>", ErrMalformed, Version)
	}
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		return token{}, fmt.Errorf("%w: claims encoding: %v", ErrMalformed, err)
	}
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return token{}, fmt.Errorf("%w: signature encoding: %v", ErrMalformed, err)
	}
	p, err := decodePayload(raw)
	if err != nil {
		return token{}, err
	}
	return token{signed: parts[0] + "." + parts[1], payload: p, sig: sig}, nil
}

// decodePayload decodes the JSON claims, refusing unknown fields, trailing
// data and any encoding other than the canonical one Issue produces.
func decodePayload(raw []byte) (payload, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var p payload
	if err := dec.Decode(&p); err != nil {
		return payload{}, fmt.Errorf("%w: claims: %v", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return payload{}, fmt.Errorf("%w: data after claims", ErrMalformed)
	}
	if err := p.validate(); err != nil {
		return payload{}, err
	}
	canonical, err := json.Marshal(p)
	if err != nil || !bytes.Equal(canonical, raw) {
		return payload{}, fmt.Errorf("%w: claims not in canonical form", ErrMalformed)
	}
	return p, nil
}

// validate checks that every required field is present and sane.
func (p payload) validate() error {
	switch {
	case p.KeyID == "":
		return fmt.Errorf("%w: missing kid", ErrMalformed)
	case p.LeaseID == "":
		return fmt.Errorf("%w: missing lid", ErrMalformed)
	case p.NodeID == "":
		return fmt.Errorf("%w: missing nid", ErrMalformed)
	case len(p.Protocols) == 0:
		return fmt.Errorf("%w: missing proto", ErrMalformed)
	case p.RateBps < 0 || p.ByteCap < 0:
		return fmt.Errorf("%w: negative rate or cap", ErrMalformed)
	case p.IssuedAt <= 0 || p.ExpiresAt <= 0:
		return fmt.Errorf("%w: missing iat or exp", ErrMalformed)
	case p.ExpiresAt <= p.IssuedAt:
		return fmt.Errorf("%w: exp not after iat", ErrMalformed)
	}
	for _, proto := range p.Protocols {
		if proto == "" || !utf8.ValidString(proto) {
			return fmt.Errorf("%w: bad protocol name", ErrMalformed)
		}
	}
	if k, err := b64.DecodeString(p.BuyerKey); err != nil || (p.BuyerKey != "" && len(k) != ed25519.PublicKeySize) {
		return fmt.Errorf("%w: bk is not an Ed25519 public key", ErrMalformed)
	}
	if !utf8.ValidString(p.KeyID + p.LeaseID + p.NodeID) {
		return fmt.Errorf("%w: invalid UTF-8", ErrMalformed)
	}
	return nil
}
