package wgexit_test

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

func TestConfigRendersWGQuick(t *testing.T) {
	env := wgtest.Start(t, wgexit.Config{})
	a := wgexit.Assigned{IPv4: mustAddr("10.200.0.2"), IPv6: mustAddr("fd00:5e::2")}
	key := wgtest.NewKey(t)
	tests := []struct {
		name, priv string
	}{
		{name: "with the buyer's key", priv: key.String()},
		{name: "without a key", priv: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := env.Exit.Config(a, tt.priv, "exit.example.net:51820")
			q, err := wgtest.ParseQuick(text)
			if err != nil {
				t.Fatalf("parse: %v\n%s", err, text)
			}
			own := env.Exit.Resolver()
			checks := []struct {
				what      string
				got, want any
			}{
				{"PrivateKey", q.PrivateKey, tt.priv},
				{"Address", q.Addresses, []netip.Prefix{netip.PrefixFrom(a.IPv4, 32), netip.PrefixFrom(a.IPv6, 128)}},
				{"DNS", q.DNS, []netip.Addr{own.IPv4, own.IPv6}},
				{"MTU", q.MTU, wgexit.DefaultMTU},
				{"PublicKey", q.PublicKey, env.Exit.PublicKey()},
				{"Endpoint", q.Endpoint, "exit.example.net:51820"},
				{"AllowedIPs", q.AllowedIPs, []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}},
				{"PersistentKeepalive", q.Keepalive, 25},
			}
			for _, c := range checks {
				if !equal(c.got, c.want) {
					t.Errorf("%s: got %v, want %v", c.what, c.got, c.want)
				}
			}
			if tt.priv == "" && strings.Contains(text, "PrivateKey") {
				t.Errorf("config without a key mentions PrivateKey:\n%s", text)
			}
		})
	}
}

func equal(a, b any) bool {
	switch x := a.(type) {
	case []netip.Prefix:
		return slices.Equal(x, b.([]netip.Prefix))
	case []netip.Addr:
		return slices.Equal(x, b.([]netip.Addr))
	}
	return a == b
}
