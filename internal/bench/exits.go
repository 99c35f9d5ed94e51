package bench

import (
	"crypto/ed25519"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/internal/lease"
	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/quicexit"
)

// benchByteCap is the lease's byte cap: far beyond what a run moves, but
// set, as on every sold lease, so the exit reserves budget on each write.
const benchByteCap = 1 << 50

// startedExit is one exit on loopback and a dialer holding a lease on it.
type startedExit struct {
	exit   *quicexit.Exit
	to     exitdial.Exit
	dialer *exitdial.Dialer
}

func (s *startedExit) close() {
	if s.dialer != nil {
		s.dialer.Close()
	}
	if s.exit != nil {
		s.exit.Close()
	}
}

// newExit is the constructor of a metered or an unmetered exit.
type newExit func(quicexit.Config, *zap.Logger) (*quicexit.Exit, error)

// startExit runs an exit whose egress allows exactly allow and issues a
// lease for it.
func startExit(log *zap.Logger, build newExit, allow ...string) (*startedExit, error) {
	signer, err := lease.NewSigningKey()
	if err != nil {
		return nil, err
	}
	nodeKey, err := identity.Generate()
	if err != nil {
		return nil, err
	}
	var rules []egress.Rule
	for _, a := range allow {
		r, err := egress.ParseRule(a)
		if err != nil {
			return nil, err
		}
		rules = append(rules, r)
	}
	policy, err := egress.New(egress.Config{Allow: rules}, log.Named("egress"))
	if err != nil {
		return nil, err
	}
	s := &startedExit{}
	s.exit, err = build(quicexit.Config{
		Key:      nodeKey,
		Verifier: lease.NewVerifier(map[string]ed25519.PublicKey{signer.KeyID: signer.Public()}, nil),
		Egress:   policy,
		Meter:    new(meter.Meter),
	}, log.Named("exit"))
	if err != nil {
		return nil, err
	}
	if err := s.serve(signer, nodeKey, log); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// serve listens on loopback and makes the lease's dialer.
func (s *startedExit) serve(signer lease.Signer, nodeKey identity.Key, log *zap.Logger) error {
	addr, err := s.exit.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	now := time.Now()
	token, err := signer.Issue(lease.Claims{
		LeaseID: "ls_bench", NodeID: nodeKey.NodeID(), Protocols: []string{"quic"},
		ByteCap: benchByteCap, IssuedAt: now, ExpiresAt: now.Add(time.Hour),
	})
	if err != nil {
		return err
	}
	s.to = exitdial.Exit{NodeID: nodeKey.NodeID(), Addr: addr.String(), PublicKey: nodeKey.Public(), Token: token}
	s.dialer = exitdial.New(s.to, log.Named("dialer"))
	return nil
}
