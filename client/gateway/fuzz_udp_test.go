package gateway

import (
	"bytes"
	"errors"
	"net/http"
	"testing"

	"go.uber.org/zap"
)

// FuzzSOCKSUDPDatagram feeds the UDP relay's header parser datagrams as
// any local program may send them: it must never panic, and what it
// accepts must encode back to the same destination and payload.
func FuzzSOCKSUDPDatagram(f *testing.F) {
	f.Add(append(appendUDPHeader(nil, "127.0.0.1", 53), "query"...))
	f.Add(append(appendUDPHeader(nil, "2001:db8::1", 443), "quic"...))
	f.Add(append(appendUDPHeader(nil, "dns.example", 53), "q"...))
	f.Add([]byte{0, 0, 1, atypIPv4, 1, 2, 3, 4, 0, 53})
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := parseUDPDatagram(b)
		if err != nil {
			if !errors.Is(err, errUDPHeader) {
				t.Fatalf("error %v does not wrap errUDPHeader", err)
			}
			return
		}
		if len(d.host) > 255 {
			t.Fatalf("accepted a %d-byte host", len(d.host))
		}
		again, err := parseUDPDatagram(append(appendUDPHeader(nil, d.host, d.port), d.payload...))
		if err != nil || again.host != d.host || again.port != d.port || !bytes.Equal(again.payload, d.payload) {
			t.Fatalf("round trip of %q:%d: got %+v, %v", d.host, d.port, again, err)
		}
	})
}

// FuzzProxyCredentials feeds the HTTP proxy's credential and session
// parsing Proxy-Authorization and SpareLink-Session values as clients
// send them: it must never panic, must accept an authenticated gateway's
// request only with its password, and must return only valid session
// keys.
func FuzzProxyCredentials(f *testing.F) {
	open, err := New(Config{}, newTestDialer(), zap.NewNop())
	if err != nil {
		f.Fatal(err)
	}
	authed, err := New(Config{Username: "buyer", Password: "s3cret"}, newTestDialer(), zap.NewNop())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(basic("buyer", "s3cret"), "")
	f.Add(basic("buyer-session-abc", "s3cret"), "")
	f.Add(basic("anything", "x"), "sess-1")
	f.Add("Basic !!", "a b")
	f.Add("Digest x", "")
	f.Fuzz(func(t *testing.T, auth, session string) {
		req := &http.Request{Header: http.Header{}}
		if auth != "" {
			req.Header.Set("Proxy-Authorization", auth)
		}
		if session != "" {
			req.Header.Set(SessionHeader, session)
		}
		for _, g := range []*Gateway{open, authed} {
			got, err := g.requestSession(req)
			if err != nil {
				continue
			}
			if got != "" && !validSession(got) {
				t.Fatalf("returned invalid session key %q", got)
			}
			_, pass, ok := basicCredentials(auth)
			if g.authRequired() && (!ok || pass != "s3cret") {
				t.Fatalf("authenticated gateway accepted %q", auth)
			}
		}
	})
}
