// Package quicexittest starts real QUIC exits on loopback for the tests of
// code that dials through them (the buyer's dialer, gateways, the demo).
// Each exit has its own node key, broker signing key and meter, and an
// egress policy that permits exactly the destinations the test names.
package quicexittest

import (
	"crypto/ed25519"
	"testing"
	"time"

	"go.uber.org/zap/zaptest"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// LeaseID is the lease of tokens made by Server.Token unless edited.
const LeaseID = "ls_test"

// Server is a running exit and what a test needs to reach and check it.
type Server struct {
	Exit     *quicexit.Exit
	Addr     string // UDP host:port
	Key      identity.Key
	Signer   lease.Signer
	Verifier *lease.Verifier
	Meter    *meter.Meter
}

// Start runs an exit on 127.0.0.1 whose egress permits exactly the
// destinations in allow (each "ip:port", as egress.ParseRule reads them).
// The exit is closed when the test ends.
func Start(t testing.TB, allow ...string) *Server {
	t.Helper()
	log := zaptest.NewLogger(t)
	var rules []egress.Rule
	for _, a := range allow {
		r, err := egress.ParseRule(a)
		if err != nil {
			t.Fatalf("quicexittest: allow %q: %v", a, err)
		}
		rules = append(rules, r)
	}
	policy, err := egress.New(egress.Config{Allow: rules}, log)
	if err != nil {
		t.Fatalf("quicexittest: egress: %v", err)
	}
	s := &Server{Meter: new(meter.Meter)}
	if s.Key, err = identity.Generate(); err != nil {
		t.Fatalf("quicexittest: node key: %v", err)
	}
	if s.Signer, err = lease.NewSigningKey(); err != nil {
		t.Fatalf("quicexittest: signing key: %v", err)
	}
	s.Verifier = lease.NewVerifier(map[string]ed25519.PublicKey{s.Signer.KeyID: s.Signer.Public()}, nil)
	s.Exit, err = quicexit.New(quicexit.Config{Key: s.Key, Verifier: s.Verifier, Egress: policy, Meter: s.Meter}, log)
	if err != nil {
		t.Fatalf("quicexittest: %v", err)
	}
	t.Cleanup(func() { s.Exit.Close() })
	addr, err := s.Exit.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatalf("quicexittest: %v", err)
	}
	s.Addr = addr.String()
	return s
}

// NodeID is the exit's node ID.
func (s *Server) NodeID() string { return s.Key.NodeID() }

// Token issues a token for this exit: lease LeaseID, protocol "quic",
// valid for an hour from now, no rate or byte cap; edit, when not nil,
// changes the claims before signing.
func (s *Server) Token(t testing.TB, edit func(*lease.Claims)) string {
	t.Helper()
	now := time.Now()
	c := lease.Claims{
		LeaseID: LeaseID, NodeID: s.NodeID(), Protocols: []string{"quic"},
		IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	}
	if edit != nil {
		edit(&c)
	}
	tok, err := s.Signer.Issue(c)
	if err != nil {
		t.Fatalf("quicexittest: issue token: %v", err)
	}
	return tok
}
