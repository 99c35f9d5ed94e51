package punch

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/pion/ice/v4"
)

// ParseDescription checks a peer's description and parses its candidates.
// It accepts UDP candidates only and enforces the limits above, so that a
// hostile peer cannot make the agent probe without bound.
func ParseDescription(d Description) ([]ice.Candidate, error) {
	if err := checkCred("ufrag", d.Ufrag, minUfragLen); err != nil {
		return nil, err
	}
	if err := checkCred("pwd", d.Pwd, minPwdLen); err != nil {
		return nil, err
	}
	if len(d.Candidates) > MaxCandidates {
		return nil, fmt.Errorf("%w: %d candidates, at most %d", ErrBadDescription, len(d.Candidates), MaxCandidates)
	}
	out := make([]ice.Candidate, 0, len(d.Candidates))
	for _, s := range d.Candidates {
		c, err := parseCandidate(s)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func parseCandidate(s string) (ice.Candidate, error) {
	if len(s) > maxCandidateLen {
		return nil, fmt.Errorf("%w: candidate of %d bytes", ErrBadDescription, len(s))
	}
	c, err := ice.UnmarshalCandidate(s)
	if err != nil {
		return nil, fmt.Errorf("%w: candidate: %v", ErrBadDescription, err)
	}
	if !c.NetworkType().IsUDP() {
		return nil, fmt.Errorf("%w: candidate over %s, want UDP", ErrBadDescription, c.NetworkType())
	}
	if c.Port() <= 0 || c.Port() > 65535 {
		return nil, fmt.Errorf("%w: candidate port %d", ErrBadDescription, c.Port())
	}
	return c, nil
}

// checkCred accepts ICE credentials: printable ASCII of bounded length
// (RFC 8445 allows ice-chars, a subset of this).
func checkCred(name, v string, minLen int) error {
	if len(v) < minLen || len(v) > maxCredLen {
		return fmt.Errorf("%w: %s of %d bytes, want %d to %d", ErrBadDescription, name, len(v), minLen, maxCredLen)
	}
	if strings.IndexFunc(v, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) || r == ' ' }) >= 0 {
		return fmt.Errorf("%w: %s has characters outside ice-chars", ErrBadDescription, name)
	}
	return nil
}
