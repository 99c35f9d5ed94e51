package egress_test

import (
	"errors"
	"net/netip"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// Addresses the test machine pretends to own: one private, one public per
// family. The public ones are what the host-local rule exists for.
var testHostAddrs = []netip.Addr{
	netip.MustParseAddr("192.168.1.20"),
	netip.MustParseAddr("81.2.69.160"),
	netip.MustParseAddr("2a01:4f8:c17:1::20"),
}

// newPolicy builds a policy with cfg, filling in a table resolver and the
// fixed host addresses when cfg leaves them unset.
func newPolicy(t *testing.T, cfg egress.Config) *egress.Policy {
	t.Helper()
	if cfg.Resolver == nil {
		cfg.Resolver = egresstest.NewResolver()
	}
	if cfg.HostAddrs == nil {
		cfg.HostAddrs = func() ([]netip.Addr, error) { return testHostAddrs, nil }
	}
	p, err := egress.New(cfg, zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// mustRule parses a rule or fails the test.
func mustRule(t *testing.T, s string) egress.Rule {
	t.Helper()
	r, err := egress.ParseRule(s)
	if err != nil {
		t.Fatalf("ParseRule(%q): %v", s, err)
	}
	return r
}

// reasonOf returns the refusal reason in err, "" for nil, and fails the
// test for an error that is not a refusal.
func reasonOf(t *testing.T, err error) egress.Reason {
	t.Helper()
	if err == nil {
		return ""
	}
	var d *egress.DeniedError
	if !errors.As(err, &d) {
		t.Fatalf("error %v is not a *DeniedError", err)
	}
	if !errors.Is(err, egress.ErrDenied) {
		t.Fatalf("errors.Is(%v, ErrDenied) = false, want true", err)
	}
	return d.Reason
}
