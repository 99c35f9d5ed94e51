// Package natdial reaches an exit that sits behind NAT: it signals the
// exit through the broker, punches a direct UDP path with ICE
// (relay/punch) and, when no hole can be punched, goes through the
// rendezvous relay the broker assigned to the exit (relay/forward). Either
// way the result is an ordinary exitdial.Dialer, running QUIC end to end
// with the exit's key pinned, so tunnels, tokens, receipts and metering
// are those of a direct exit.
//
// It does not choose exits or buy leases; the caller hands it one exit of
// a lease.
package natdial

import (
	"context"
	"errors"
	"fmt"
	"net"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client"
	"github.com/sparelink/sparelink/client/exitdial"
	"github.com/sparelink/sparelink/relay/forward"
	"github.com/sparelink/sparelink/relay/punch"
)

// How a Path reaches its exit.
const (
	KindPunched = "punched"
	KindRelayed = "relayed"
)

// ErrUnreachable means neither a punched path nor a relay was available.
var ErrUnreachable = errors.New("natdial: exit unreachable")

// Config says which exit to reach and how. Broker, LeaseID and Exit are
// required; Exit.Addr is not dialled.
type Config struct {
	Broker  *client.Client // the buyer's
	LeaseID string
	Exit    exitdial.Exit
	// Punch configures ICE, including the broker's STUN server.
	Punch punch.Config
	// NAT is the buyer's own NAT behaviour, passed to the exit.
	NAT *api.NATBehavior
	// Relay is the exit's rendezvous relay from the broker's listing,
	// used when signalling fails; the signal answer's relay wins.
	Relay *api.RelayRoute
	// RelayOnly skips punching.
	RelayOnly bool
}

// Path is a way to one exit and the dialer that uses it.
type Path struct {
	// Dialer opens tunnels through the exit over the path.
	Dialer *exitdial.Dialer
	// Kind is KindPunched or KindRelayed.
	Kind string
	// Pair names the punched candidate pair ("host-srflx"), if punched.
	Pair string
	pc   net.PacketConn
	peer net.Addr
}

// Close closes the dialer and the path. It is idempotent.
func (p *Path) Close() error {
	err := p.Dialer.CloseTransport()
	return errors.Join(err, p.pc.Close())
}

// Route reads a lease's exit: whether buyers must signal and punch (or
// relay) to reach it, and the relay the broker named for it.
func Route(e api.Exit) (signal bool, relay *api.RelayRoute) {
	if e.Traversal == nil {
		return false, nil
	}
	return true, e.Traversal.Relay
}

// Dial reaches cfg.Exit, punched if it can, relayed if it must. A nil log
// discards logs.
func Dial(ctx context.Context, cfg Config, log *zap.Logger) (*Path, error) {
	if log == nil {
		log = zap.NewNop()
	}
	p, err := open(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	p.Dialer = exitdial.NewOver(cfg.Exit, p.pc, p.peer, log)
	return p, nil
}

// open finds a path to cfg.Exit without a dialer on it.
func open(ctx context.Context, cfg Config, log *zap.Logger) (*Path, error) {
	if cfg.Broker == nil || cfg.LeaseID == "" || cfg.Exit.NodeID == "" {
		return nil, errors.New("natdial: Broker, LeaseID and Exit are required")
	}
	log = log.Named("natdial").With(zap.String("exit", cfg.Exit.NodeID))
	relay := cfg.Relay
	var punchErr error
	if !cfg.RelayOnly {
		p, answerRelay, err := punchPath(ctx, cfg, log)
		if err == nil {
			return p, nil
		}
		punchErr = err
		if answerRelay != nil {
			relay = answerRelay
		}
		log.Info("no punched path, trying the relay", zap.Error(err))
	}
	if relay == nil {
		return nil, fmt.Errorf("%w: no relay for the exit; punching: %v", ErrUnreachable, punchErr)
	}
	return relayPath(cfg, relay)
}

// punchPath signals the exit and punches; it returns the relay the
// broker named, if any, even when punching fails.
func punchPath(ctx context.Context, cfg Config, log *zap.Logger) (*Path, *api.RelayRoute, error) {
	sess, err := punch.New(cfg.Punch, log)
	if err != nil {
		return nil, nil, err
	}
	local, err := sess.Local(ctx)
	if err != nil {
		sess.Close()
		return nil, nil, err
	}
	res, err := cfg.Broker.Signal(ctx, cfg.LeaseID, cfg.Exit.NodeID, api.SignalRequest{
		Offer: api.ICEDescription{Ufrag: local.Ufrag, Pwd: local.Pwd, Candidates: local.Candidates}, NAT: cfg.NAT})
	if err != nil {
		sess.Close()
		return nil, nil, fmt.Errorf("signal: %w", err)
	}
	answer := punch.Description{Ufrag: res.Answer.Ufrag, Pwd: res.Answer.Pwd, Candidates: res.Answer.Candidates}
	pc, err := sess.Connect(ctx, answer, true)
	if err != nil {
		sess.Close()
		return nil, res.Relay, err
	}
	return &Path{Kind: KindPunched, Pair: pc.Pair(), pc: pc, peer: punch.PeerAddr}, res.Relay, nil
}

func relayPath(cfg Config, relay *api.RelayRoute) (*Path, error) {
	bc, err := forward.DialBuyer(relay.Addr, cfg.Exit.NodeID)
	if err != nil {
		return nil, fmt.Errorf("%w: relay %s: %v", ErrUnreachable, relay.NodeID, err)
	}
	return &Path{Kind: KindRelayed, pc: bc, peer: forward.RelayAddr(cfg.Exit.NodeID)}, nil
}
