package broker

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"slices"
	"time"

	"github.com/sparelink/sparelink/broker/api"
)

// Bounds on lease requests.
const (
	maxExits      = 16
	maxLeaseBytes = 1 << 50 // a pebibyte
)

// decodeLeaseRequest parses a quote or lease body strictly (an empty body
// is {}), fills in defaults and validates it, so that equal requests have
// equal hashes.
func decodeLeaseRequest(data []byte, defaultDuration time.Duration) (api.LeaseRequest, error) {
	var req api.LeaseRequest
	if len(bytes.TrimSpace(data)) > 0 {
		if err := decodeStrict(data, &req); err != nil {
			return req, err
		}
	}
	req = withLeaseDefaults(req, defaultDuration)
	if err := checkLeaseRequest(req); err != nil {
		return req, err
	}
	return req, checkWireGuardRequest(req)
}

// withLeaseDefaults fills in the fields a request left out (api.LeaseRequest
// documents the defaults).
func withLeaseDefaults(req api.LeaseRequest, defaultDuration time.Duration) api.LeaseRequest {
	if len(req.Protocols) == 0 {
		req.Protocols = []string{api.ProtocolQUIC}
	}
	if req.Exits == 0 {
		req.Exits = api.DefaultExits
	}
	if req.MaxBytes == 0 {
		req.MaxBytes = api.DefaultMaxBytes
	}
	if req.DurationSeconds == 0 {
		req.DurationSeconds = int64(defaultDuration / time.Second)
	}
	if req.Mode == "" {
		req.Mode = api.ModeRotating
	}
	return req
}

func checkLeaseRequest(req api.LeaseRequest) error {
	c := req.Coverage
	if err := checkRegion("coverage", c.Country, c.Subdivision, c.City, false); err != nil {
		return err
	}
	if err := checkProtocols(req.Protocols); err != nil {
		return err
	}
	switch {
	case !validASN(c.ASN):
		return badRequest("coverage.asn must be from 0 (any) to %d", int64(maxASN))
	case c.ConnectionType != "" && !validConnType(c.ConnectionType):
		return badRequest("coverage.connection_type must be residential, business, mobile or datacenter")
	case req.Exits < 1 || req.Exits > maxExits:
		return badRequest("exits must be from 1 to %d", maxExits)
	case req.MaxBytes < 1 || req.MaxBytes > maxLeaseBytes:
		return badRequest("max_bytes must be from 1 to %d", int64(maxLeaseBytes))
	case req.DurationSeconds < 1 || req.DurationSeconds > int64(maxLeaseDuration/time.Second):
		return badRequest("duration_seconds must be from 1 to %d", int64(maxLeaseDuration/time.Second))
	case req.RateBps < 0 || req.RateBps > maxBytesPerSecond:
		return badRequest("rate_bps must be from 0 (unlimited) to %d", int64(maxBytesPerSecond))
	case req.Mode != api.ModeRotating && req.Mode != api.ModeSticky && req.Mode != api.ModeStrict:
		return badRequest("mode must be %s, %s or %s", api.ModeRotating, api.ModeSticky, api.ModeStrict)
	case req.BuyerKey != "" && buyerKeyOf(req.BuyerKey) == nil:
		return badRequest("buyer_key must be a standard base64 Ed25519 public key")
	}
	return nil
}

// requestHash identifies a normalised lease request for idempotency.
func requestHash(req api.LeaseRequest) []byte {
	req.Protocols = slices.Clone(req.Protocols)
	slices.Sort(req.Protocols)
	data, _ := json.Marshal(req) // plain struct of strings and numbers
	sum := sha256.Sum256(data)
	return sum[:]
}
