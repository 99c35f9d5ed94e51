package node_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/node"
	"github.com/sparelink/sparelink/relay/egress"
)

func TestNewPolicy(t *testing.T) {
	tests := []struct {
		name        string
		allow, deny []string
		wantErr     string // empty: the policy builds
	}{
		{name: "no additions"},
		{name: "allow and deny", allow: []string{"127.0.0.1:8080", "10.0.0.0/8:443"}, deny: []string{"198.51.100.0/24", "[2001:db8::/32]:443"}},
		{name: "bad allow", allow: []string{"127.0.0.1:8080", "not-an-address"}, wantErr: `egress allow rule "not-an-address"`},
		{name: "bad deny", deny: []string{"10.0.0.1/8"}, wantErr: `egress deny rule "10.0.0.1/8"`},
		{name: "port zero", allow: []string{"127.0.0.1:0"}, wantErr: `egress allow rule "127.0.0.1:0"`},
		{name: "host name rule", deny: []string{"example.com"}},
		{name: "URL", deny: []string{"http://example.com/"}, wantErr: `egress deny rule "http://example.com/"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := node.NewPolicy(tt.allow, tt.deny, zaptest.NewLogger(t))
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("NewPolicy: got %v, want a policy", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("NewPolicy: got a policy, want an error")
			}
			if !errors.Is(err, egress.ErrInvalidRule) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("NewPolicy: got %q, want egress.ErrInvalidRule naming %s", err, tt.wantErr)
			}
		})
	}
}

func TestNewPolicyAppliesAdditions(t *testing.T) {
	p, err := node.NewPolicy([]string{"127.0.0.1:8080"}, []string{"1.0.0.0/24"}, zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		addr string
		ok   bool
	}{
		{"allowed loopback port", "127.0.0.1:8080", true},
		{"other loopback port", "127.0.0.1:8081", false},
		{"denied public range", "1.0.0.9:443", false},
		{"public address", "1.1.1.1:443", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.CheckAddr(netip.MustParseAddrPort(tt.addr))
			if (err == nil) != tt.ok {
				t.Errorf("Check(%s): got %v, want allowed=%v", tt.addr, err, tt.ok)
			}
		})
	}
}
