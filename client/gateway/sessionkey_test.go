package gateway

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest"
)

func TestRequestSession(t *testing.T) {
	open, err := New(Config{}, newTestDialer(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	authed, err := New(Config{Username: "buyer", Password: "s3cret"}, newTestDialer(), zaptest.NewLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		g       *Gateway
		auth    string
		header  []string
		want    string
		wantErr error
	}{
		{"open, nothing", open, "", nil, "", nil},
		{"open, username is the session", open, basic("shop-42", "x"), nil, "shop-42", nil},
		{"open, session suffix", open, basic("me-session-s1", "x"), nil, "s1", nil},
		{"open, header", open, "", []string{"s2"}, "s2", nil},
		{"header wins over username", open, basic("s1", "x"), []string{"s2"}, "s2", nil},
		{"authed, plain user", authed, basic("buyer", "s3cret"), nil, "", nil},
		{"authed, session suffix", authed, basic("buyer-session-s1", "s3cret"), nil, "s1", nil},
		{"authed, header", authed, basic("buyer", "s3cret"), []string{"s2"}, "s2", nil},
		{"authed, no credentials", authed, "", []string{"s2"}, "", errBadCredentials},
		{"authed, wrong password with session", authed, basic("buyer-session-s1", "nope"), nil, "", errBadCredentials},
		{"authed, other user", authed, basic("seller-session-s1", "s3cret"), nil, "", errBadCredentials},
		{"empty session suffix", authed, basic("buyer-session-", "s3cret"), nil, "", errBadSession},
		{"two headers", open, "", []string{"a", "b"}, "", errBadSession},
		{"colon in header", open, "", []string{"a:b"}, "", errBadSession},
		{"space in header", open, "", []string{"a b"}, "", errBadSession},
		{"long header", open, "", []string{strings.Repeat("k", maxSessionKey+1)}, "", errBadSession},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &http.Request{Header: http.Header{}}
			if tt.auth != "" {
				req.Header.Set("Proxy-Authorization", tt.auth)
			}
			for _, h := range tt.header {
				req.Header.Add(SessionHeader, h)
			}
			got, err := tt.g.requestSession(req)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("got %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestUsernameWithSessionSeparatorRefused(t *testing.T) {
	if _, err := New(Config{Username: "a-session-b", Password: "x"}, newTestDialer(), nil); !errors.Is(err, ErrConfig) {
		t.Errorf("got %v, want ErrConfig", err)
	}
	if _, err := New(Config{Mode: "sticky"}, newTestDialer(), nil); !errors.Is(err, ErrConfig) {
		t.Errorf("sticky mode over a dialer that cannot pin exits: got %v, want ErrConfig", err)
	}
	if _, err := New(Config{Mode: "fastest"}, newTestDialer(), nil); !errors.Is(err, ErrConfig) {
		t.Errorf("unknown mode: got %v, want ErrConfig", err)
	}
}
