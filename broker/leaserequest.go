package broker

import (
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

// decodeLeaseRequest parses a quote or lease body strictly, validates it
// and fills in defaults, so that equal requests have equal hashes.
func decodeLeaseRequest(data []byte, defaultDuration time.Duration) (api.LeaseRequest, error) {
	var req api.LeaseRequest
	if err := decodeStrict(data, &req); err != nil {
		return req, err
	}
	if len(req.Protocols) == 0 {
		req.Protocols = []string{api.ProtocolQUIC}
	}
	if req.Exits == 0 {
		req.Exits = 1
	}
	if req.DurationSeconds == 0 {
		req.DurationSeconds = int64(defaultDuration / time.Second)
	}
	return req, checkLeaseRequest(req)
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
