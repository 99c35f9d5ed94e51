package broker

import (
	"encoding/base64"
	"net"
	"strconv"
	"strings"

	"github.com/sparelink/sparelink/broker/api"
)

// Bounds on what nodes and buyers may declare.
const (
	maxCityLen        = 64
	maxEgressLen      = 512
	maxASN            = 1<<32 - 1
	maxProtocols      = 4
	maxPriceMicros    = 1_000_000_000_000 // a million units per GB
	maxBytesPerSecond = 1 << 40
)

func validCountry(s string) bool {
	return len(s) == 2 && isUpper(s[0]) && isUpper(s[1])
}

// validSubdivision accepts ISO 3166-2 codes such as "DE-BE" or "US-CA" of
// the given country (any country when country is empty).
func validSubdivision(s, country string) bool {
	cc, code, ok := strings.Cut(s, "-")
	if !ok || !validCountry(cc) || (country != "" && cc != country) || code == "" || len(code) > 3 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if !isUpper(code[i]) && (code[i] < '0' || code[i] > '9') {
			return false
		}
	}
	return true
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

// checkRegion validates a region; country is required when required is
// set, and every other field is optional.
func checkRegion(where string, country, subdivision, city string, required bool) error {
	if (required || country != "") && !validCountry(country) {
		return badRequest("%s.country must be two upper-case letters (ISO 3166-1)", where)
	}
	if subdivision != "" && !validSubdivision(subdivision, country) {
		return badRequest("%s.subdivision must be an ISO 3166-2 code of its country, e.g. DE-BE", where)
	}
	if city != "" && !validText(city, maxCityLen) {
		return badRequest("%s.city must be at most %d bytes of text", where, maxCityLen)
	}
	return nil
}

func validConnType(s string) bool {
	switch s {
	case api.ConnResidential, api.ConnBusiness, api.ConnMobile, api.ConnDatacenter:
		return true
	}
	return false
}

func validASN(asn int) bool { return asn >= 0 && int64(asn) <= maxASN }

// checkProtocols requires 1 to maxProtocols distinct known protocols.
func checkProtocols(protos []string) error {
	if len(protos) == 0 || len(protos) > maxProtocols {
		return badRequest("protocols must list 1 to %d protocols", maxProtocols)
	}
	seen := make(map[string]bool, len(protos))
	for _, p := range protos {
		if p != api.ProtocolQUIC && p != api.ProtocolWireGuard {
			return badRequest("unknown protocol %q; want %q or %q", p, api.ProtocolQUIC, api.ProtocolWireGuard)
		}
		if seen[p] {
			return badRequest("protocol %q listed twice", p)
		}
		seen[p] = true
	}
	return nil
}

// validHostPort accepts host:port with a non-empty host and a port from 1
// to 65535.
func validHostPort(s string) bool {
	if len(s) > 255 {
		return false
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || !validToken(host, 253) {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535
}

// decodeB64 decodes standard base64 of exactly size bytes.
func decodeB64(s string, size int) ([]byte, bool) {
	if len(s) != base64.StdEncoding.EncodedLen(size) {
		return nil, false
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil || len(b) != size {
		return nil, false
	}
	return b, true
}
