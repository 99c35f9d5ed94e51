package egress_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
)

func TestNewRejectsBadConfig(t *testing.T) {
	listErr := errors.New("netlink unavailable")
	cases := []struct {
		name string
		cfg  egress.Config
		want error
	}{
		{"zero allow rule", egress.Config{Allow: []egress.Rule{{}}}, egress.ErrInvalidRule},
		{"host bits in deny", egress.Config{Deny: []egress.Rule{{Prefix: netip.MustParsePrefix("10.1.2.3/8")}}}, egress.ErrInvalidRule},
		{"mapped allow", egress.Config{Allow: []egress.Rule{{Prefix: netip.MustParsePrefix("::ffff:127.0.0.1/128")}}}, egress.ErrInvalidRule},
		{"allow any host without port", egress.Config{Allow: []egress.Rule{{AnyHost: true}}}, egress.ErrInvalidRule},
		{"prefix and name", egress.Config{Deny: []egress.Rule{{Prefix: netip.MustParsePrefix("1.0.0.0/8"), Domain: "example.com"}}}, egress.ErrInvalidRule},
		{"name and any host", egress.Config{Deny: []egress.Rule{{AnyHost: true, Domain: "example.com"}}}, egress.ErrInvalidRule},
		{"upper-case name", egress.Config{Deny: []egress.Rule{{Domain: "Example.com"}}}, egress.ErrInvalidRule},
		{"name with dot", egress.Config{Allow: []egress.Rule{{Domain: "example.com."}}}, egress.ErrInvalidRule},
		{"local name", egress.Config{Allow: []egress.Rule{{Domain: "localhost"}}}, egress.ErrInvalidRule},
		{"range without start", egress.Config{Deny: []egress.Rule{{AnyHost: true, PortEnd: 80}}}, egress.ErrInvalidRule},
		{"backward range", egress.Config{Deny: []egress.Rule{{AnyHost: true, Port: 90, PortEnd: 80}}}, egress.ErrInvalidRule},
		{"range of one", egress.Config{Deny: []egress.Rule{{AnyHost: true, Port: 80, PortEnd: 80}}}, egress.ErrInvalidRule},
		{"host list fails", egress.Config{HostAddrs: func() ([]netip.Addr, error) { return nil, listErr }}, listErr},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := egress.New(tc.cfg, nil)
			if !errors.Is(err, tc.want) {
				t.Errorf("New = %v, %v; want an error wrapping %v", p, err, tc.want)
			}
		})
	}
}
