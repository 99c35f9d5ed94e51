package broker

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// leaseFields and coverageFields are the JSON names a lease request may
// use; encoding/json matches them case-insensitively.
var (
	leaseFields    = []string{"coverage", "protocols", "exits", "max_bytes", "duration_seconds", "rate_bps", "mode"}
	coverageFields = []string{"country", "subdivision", "city", "asn", "connection_type"}
)

// unknownKey reports whether data is a JSON object holding a key outside
// known, at the top level or under "coverage".
func unknownKey(data []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return false
	}
	for k, v := range top {
		if !knownKey(k, leaseFields) {
			return true
		}
		var cov map[string]json.RawMessage
		if strings.EqualFold(k, "coverage") && json.Unmarshal(v, &cov) == nil {
			for ck := range cov {
				if !knownKey(ck, coverageFields) {
					return true
				}
			}
		}
	}
	return false
}

func knownKey(k string, known []string) bool {
	for _, f := range known {
		if strings.EqualFold(k, f) {
			return true
		}
	}
	return false
}

func FuzzDecodeLeaseRequest(f *testing.F) {
	f.Add([]byte(`{"coverage":{"country":"DE","subdivision":"DE-BE","city":"Berlin","asn":3320,"connection_type":"residential"},"protocols":["quic"],"exits":2,"max_bytes":1000000000,"duration_seconds":3600}`))
	f.Add([]byte(`{"max_bytes":1}`))
	f.Add([]byte(`{"max_bytes":1,"price":5}`))
	f.Add([]byte(`{"MAX_BYTES":1,"Coverage":{"COUNTRY":"FR"}}`))
	f.Add([]byte(`{"max_bytes":1} {"max_bytes":2}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"mode":"strict","rate_bps":1048576}`))
	f.Add([]byte(`{"mode":"anycast"}`))
	const hour = time.Hour
	f.Fuzz(func(t *testing.T, data []byte) {
		req, err := decodeLeaseRequest(data, hour)
		if err != nil {
			return
		}
		if unknownKey(data) {
			t.Fatalf("accepted %q with an unknown field", data)
		}
		if err := checkLeaseRequest(req); err != nil {
			t.Fatalf("accepted %q that fails validation: %v", data, err)
		}
		again, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		round, err := decodeLeaseRequest(again, hour)
		if err != nil {
			t.Fatalf("re-decoding accepted request %s: %v", again, err)
		}
		if !bytes.Equal(requestHash(round), requestHash(req)) {
			t.Fatalf("request %s changed on a round trip to %+v", again, round)
		}
	})
}

func FuzzParseNetworks(f *testing.F) {
	for _, s := range []string{"203.0.113.0/24", "203.0.113.7/24", "2001:db8::/32", "::ffff:10.0.0.0/104", "127.0.0.1", "fe80::1%eth0", "10.0.0.0/33", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseNetworks([]string{s, s})
		if err != nil {
			return
		}
		if len(got) != 1 {
			t.Fatalf("parseNetworks(%q twice) = %q, want one network", s, got)
		}
		again, err := parseNetworks(got)
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("canonical form %q of %q parses to %q, %v; want itself", got, s, again, err)
		}
	})
}

func FuzzStatementRange(f *testing.F) {
	f.Add("2026-03-01", "2026-03-03", "day")
	f.Add("2026-03-01T10:30:00Z", "", "hour")
	f.Add("", "2026-03-01T10:30:00+02:00", "")
	f.Add("2026-03-05", "2026-03-01", "day")
	f.Add("0001-01-01", "9999-12-31", "hour")
	now := time.Date(2026, 3, 10, 12, 30, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, from, to, period string) {
		rg, err := readStatementRange(url.Values{"from": {from}, "to": {to}, "period": {period}}, now)
		if err != nil {
			return
		}
		if !rg.from.Before(rg.to) || rg.to.Sub(rg.from) > maxStatementPeriods*rg.period {
			t.Fatalf("accepted %q..%q: range %s..%s", from, to, rg.from, rg.to)
		}
		if !rg.from.Truncate(rg.period).Equal(rg.from) || !rg.to.Truncate(rg.period).Equal(rg.to) {
			t.Fatalf("accepted %q..%q: range %s..%s not on %s boundaries", from, to, rg.from, rg.to, rg.period)
		}
	})
}
