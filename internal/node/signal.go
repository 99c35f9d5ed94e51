package node

import (
	"context"
	"errors"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/relay/forward"
	"github.com/sparelink/sparelink/relay/punch"
)

// The node's side of NAT traversal. A Traversal answers buyers' ICE
// offers from the control channel and serves the exit on every punched
// path; it reports the node's reachability to the broker and, when the
// broker assigns a rendezvous relay, keeps a registered connection to the
// relay's forwarder and serves the exit on that too. A relay runs one
// with Forwarder set, so that the broker can assign it to others.

// ErrNotSignal is returned by Traversal.Handle for commands it does not
// handle, so that a caller can chain handlers.
var ErrNotSignal = errors.New("node: not a signal command")

// TraversalConfig configures a Traversal. The zero value punches with
// host candidates only and reports an unknown reachability.
type TraversalConfig struct {
	// Punch configures ICE, including the broker's STUN server.
	Punch punch.Config
	// Reach is the node's current reachability; nil reports unknown.
	Reach func() api.Reachability
	// Forwarder, on a relay, is the forwarder's public ip:port that the
	// broker may assign to NAT'd nodes.
	Forwarder string
	// ReportInterval between reachability reports; zero means 1 minute.
	// A changed verdict is reported within ReachPoll (zero: 5 s).
	ReportInterval, ReachPoll time.Duration
	// RelayInterval between registrations with the relay; zero means
	// 10 s.
	RelayInterval time.Duration
	// MaxPaths bounds the punched paths served at once; zero means 64.
	MaxPaths int
}

// Traversal is a node's NAT traversal. Handle may be called before Run.
type Traversal struct {
	n   *Node
	cfg TraversalConfig
	log *zap.Logger

	ctx    context.Context // ends at Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	paths   map[*punch.PacketConn]string // pair types
	pending int                          // offers being answered or checked
	relay   *forward.NodeConn
	route   *api.RelayRoute
	report  api.Reachability
	punched int // paths punched since start
	failed  int // offers that found no path
}

// NewTraversal returns the traversal of n. Close it before n.
func NewTraversal(n *Node, cfg TraversalConfig, log *zap.Logger) *Traversal {
	if cfg.ReportInterval <= 0 {
		cfg.ReportInterval = time.Minute
	}
	if cfg.ReachPoll <= 0 {
		cfg.ReachPoll = 5 * time.Second
	}
	if cfg.RelayInterval <= 0 {
		cfg.RelayInterval = 10 * time.Second
	}
	if cfg.MaxPaths <= 0 {
		cfg.MaxPaths = 64
	}
	if log == nil {
		log = zap.NewNop()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Traversal{n: n, cfg: cfg, log: log.Named("traversal"), ctx: ctx, cancel: cancel,
		paths: make(map[*punch.PacketConn]string), report: api.Reachability{Code: api.ReachUnknown}}
}

// Close ends every punched path and the relay connection, and waits for
// the traversal's goroutines. It is idempotent.
func (t *Traversal) Close() error {
	t.cancel()
	t.mu.Lock()
	paths := make([]*punch.PacketConn, 0, len(t.paths))
	for pc := range t.paths {
		paths = append(paths, pc)
	}
	relay := t.relay
	t.relay, t.route = nil, nil
	t.mu.Unlock()
	for _, pc := range paths {
		_ = pc.Close()
	}
	if relay != nil {
		_ = relay.Close()
	}
	t.wg.Wait()
	return nil
}

// TraversalStatus is what the owner's dashboard shows.
type TraversalStatus struct {
	Reach           api.Reachability
	Relay           *api.RelayRoute
	RelayRegistered bool
	Paths           int      // punched paths open now
	Pairs           []string // their candidate pair types
	Punched, Failed int
}

// Status reports the traversal's state.
func (t *Traversal) Status() TraversalStatus {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := TraversalStatus{Reach: t.report, Relay: t.route, Paths: len(t.paths), Punched: t.punched, Failed: t.failed}
	for _, pair := range t.paths {
		s.Pairs = append(s.Pairs, pair)
	}
	if t.relay != nil {
		s.RelayRegistered = t.relay.Registered()
	}
	return s
}
