package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"
)

func TestListenAddressPolicy(t *testing.T) {
	creds := Config{Username: "buyer", Password: "s3cret"}
	public := Config{Username: "buyer", Password: "s3cret", AllowPublic: true}
	tests := []struct {
		name    string
		cfg     Config
		addr    string
		wantErr error
	}{
		{"loopback v4", Config{}, "127.0.0.1:0", nil},
		{"other loopback", Config{}, "127.0.0.2:0", nil},
		{"localhost", Config{}, "localhost:0", nil},
		{"all interfaces", Config{}, ":0", ErrPublicListen},
		{"unspecified v4", Config{}, "0.0.0.0:0", ErrPublicListen},
		{"unspecified v6", Config{}, "[::]:0", ErrPublicListen},
		{"lan address", Config{}, "192.168.1.10:0", ErrPublicListen},
		{"credentials alone", creds, "0.0.0.0:0", ErrPublicListen},
		{"allow public without credentials", Config{AllowPublic: true}, "0.0.0.0:0", ErrPublicListen},
		{"hostname", Config{}, "gateway.example:0", ErrPublicListen},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := New(tt.cfg, newTestDialer(), zaptest.NewLogger(t))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			t.Cleanup(func() { _ = g.Close() })
			_, err = g.ListenSOCKS5(tt.addr)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ListenSOCKS5(%q): got %v, want %v", tt.addr, err, tt.wantErr)
			}
		})
	}
	// Binding a public address in a test is not allowed, so the accepting
	// side of the policy is checked without listening.
	g, err := New(public, newTestDialer(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := g.checkListenAddr("0.0.0.0:1080"); err != nil {
		t.Errorf("AllowPublic with credentials: got %v, want nil", err)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	long := strings.Repeat("u", 256)
	tests := []struct {
		name string
		cfg  Config
		d    Dialer
	}{
		{"nil dialer", Config{}, nil},
		{"user without password", Config{Username: "buyer"}, newTestDialer()},
		{"password without user", Config{Password: "s3cret"}, newTestDialer()},
		{"username too long", Config{Username: long, Password: "p"}, newTestDialer()},
		{"negative max conns", Config{MaxConns: -1}, newTestDialer()},
		{"negative timeout", Config{HandshakeTimeout: -time.Second}, newTestDialer()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg, tt.d, zaptest.NewLogger(t)); !errors.Is(err, ErrConfig) {
				t.Errorf("New: got %v, want ErrConfig", err)
			}
		})
	}
}

func TestValidHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"example.com", true},
		{"example.com.", true},
		{"under_score.test", true},
		{"192.0.2.1", true},
		{"2001:db8::1", true},
		{"fe80::1%eth0", false},
		{"", false},
		{".", false},
		{"a..b", false},
		{"bad name", false},
		{"evil.test:80", false},
		{"nul\x00.test", false},
		{strings.Repeat("a", 64) + ".test", false},
		{strings.Repeat("a.", 127) + "a", false},
	}
	for _, tt := range tests {
		if got := validHost(tt.host); got != tt.want {
			t.Errorf("validHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestProxyStatusValue(t *testing.T) {
	tests := []struct {
		name, errType, details, want string
	}{
		{"plain", "dns_error", "no such host", `sparelink-gateway; error=dns_error; details="no such host"`},
		{"quotes and backslashes", "proxy_internal_error", `say "hi" \ bye`, `sparelink-gateway; error=proxy_internal_error; details="say \"hi\" \\ bye"`},
		{"control bytes", "proxy_internal_error", "a\r\nInjected: 1\xff", `sparelink-gateway; error=proxy_internal_error; details="a??Injected: 1?"`},
		{"long details are cut", "dns_error", strings.Repeat("x", 500), `sparelink-gateway; error=dns_error; details="` + strings.Repeat("x", maxDetails) + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := proxyStatusValue(tt.errType, tt.details); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestErrorType(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"exit status", &exitError{status: "connection_refused"}, "connection_refused"},
		{"wrapped exit status", fmt.Errorf("dial: %w", &exitError{status: "dns_error"}), "dns_error"},
		{"unsafe token", &exitError{status: "x; error=y"}, statusInternal},
		{"deadline", fmt.Errorf("dial: %w", context.DeadlineExceeded), statusTimeout},
		{"anything else", errors.New("boom"), statusInternal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errorType(tt.err); got != tt.want {
				t.Errorf("errorType(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}
