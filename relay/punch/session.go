package punch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
	"go.uber.org/zap"
)

// Session is one side of one punching attempt: an ICE agent with its
// gathered candidates. Use it once: Local, then Connect with the peer's
// description. Close releases the sockets and ends the path.
type Session struct {
	cfg   Config
	log   *zap.Logger
	agent *ice.Agent

	gathered  chan struct{} // closed when gathering ends
	done      chan struct{} // closed by Close
	mu        sync.Mutex
	cands     []string
	closed    bool           // no more handlers start once set
	handlers  sync.WaitGroup // ICE callbacks running now
	quiet     *atomic.Bool   // silences the ICE agent's logs after Close
	closeOnce sync.Once
	closeErr  error
}

// New starts gathering candidates at once. A nil log discards logs.
func New(cfg Config, log *zap.Logger) (*Session, error) {
	if log == nil {
		log = zap.NewNop()
	}
	cfg = cfg.withDefaults()
	quiet := new(atomic.Bool)
	opts, err := agentOptions(cfg, log, quiet)
	if err != nil {
		return nil, err
	}
	agent, err := ice.NewAgentWithOptions(opts...)
	if err != nil {
		return nil, fmt.Errorf("punch: new ICE agent: %w", err)
	}
	s := &Session{cfg: cfg, log: log.Named("punch"), agent: agent, gathered: make(chan struct{}), done: make(chan struct{}), quiet: quiet}
	err = agent.OnCandidate(s.onCandidate)
	if err == nil {
		err = agent.OnConnectionStateChange(s.onState)
	}
	if err == nil {
		err = agent.GatherCandidates()
	}
	if err != nil {
		_ = agent.Close()
		return nil, fmt.Errorf("punch: gather candidates: %w", err)
	}
	return s, nil
}

// agentOptions turns cfg into the ICE agent's options: UDP over IPv4,
// host and server-reflexive candidates, no mDNS (names would leak to the
// broker nothing useful and cost a multicast query).
func agentOptions(cfg Config, log *zap.Logger, quiet *atomic.Bool) ([]ice.AgentOption, error) {
	var urls []*stun.URI
	for _, srv := range cfg.ICEServers {
		for _, raw := range srv.URLs {
			u, err := stun.ParseURI(raw)
			if err != nil {
				return nil, fmt.Errorf("punch: ICE server %q: %w", raw, err)
			}
			if u.Scheme == stun.SchemeTypeSTUN {
				urls = append(urls, u)
			}
		}
	}
	types := []ice.CandidateType{ice.CandidateTypeHost}
	if len(urls) > 0 {
		types = append(types, ice.CandidateTypeServerReflexive)
	}
	opts := []ice.AgentOption{
		ice.WithNetworkTypes([]ice.NetworkType{ice.NetworkTypeUDP4}),
		ice.WithCandidateTypes(types),
		ice.WithUrls(urls),
		ice.WithMulticastDNSMode(ice.MulticastDNSModeDisabled),
		ice.WithSTUNGatherTimeout(cfg.GatherTimeout),
		ice.WithKeepaliveInterval(cfg.KeepAlive),
		ice.WithLoggerFactory(loggerFactory{log.Named("ice"), quiet}),
	}
	if cfg.Loopback {
		opts = append(opts, ice.WithIncludeLoopback())
	}
	if len(cfg.Interfaces) > 0 {
		names := slices.Clone(cfg.Interfaces)
		opts = append(opts, ice.WithInterfaceFilter(func(name string) bool { return slices.Contains(names, name) }))
	}
	return opts, nil
}

func (s *Session) onCandidate(c ice.Candidate) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c == nil {
		close(s.gathered)
		return
	}
	s.cands = append(s.cands, c.Marshal())
}

// onState ends the session when ICE gives up on the path, so that reads
// fail and QUIC notices at once rather than at its idle timeout.
func (s *Session) onState(st ice.ConnectionState) {
	if !s.enter() {
		return
	}
	defer s.handlers.Done()
	s.log.Debug("ICE state", zap.Stringer("state", st))
	if st == ice.ConnectionStateFailed {
		go s.Close()
	}
}

// enter admits an ICE callback unless the session is closing; Close
// waits for those admitted, so none runs after it returns.
func (s *Session) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.handlers.Add(1)
	return true
}

// Local waits for gathering to end (at most GatherTimeout) and returns
// this side's description.
func (s *Session) Local(ctx context.Context) (Description, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.GatherTimeout)
	defer cancel()
	select {
	case <-s.gathered:
	case <-ctx.Done():
		if err := context.Cause(ctx); !errors.Is(err, context.DeadlineExceeded) {
			return Description{}, err
		}
		// Slow STUN servers: send what we have.
	}
	ufrag, pwd, err := s.agent.GetLocalUserCredentials()
	if err != nil {
		return Description{}, fmt.Errorf("punch: local credentials: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return Description{Ufrag: ufrag, Pwd: pwd, Candidates: slices.Clone(s.cands)}, nil
}

// Connect runs the connectivity checks against the peer's description
// and returns the punched path. The buyer's side controls (it nominates
// the pair); the exit's side does not. It fails with ErrNoPath when no
// pair works within ConnectTimeout.
func (s *Session) Connect(ctx context.Context, peer Description, controlling bool) (*PacketConn, error) {
	cands, err := ParseDescription(peer)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		if err := s.agent.AddRemoteCandidate(c); err != nil {
			return nil, fmt.Errorf("punch: add candidate: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ConnectTimeout)
	defer cancel()
	var conn *ice.Conn
	if controlling {
		conn, err = s.agent.Dial(ctx, peer.Ufrag, peer.Pwd)
	} else {
		conn, err = s.agent.Accept(ctx, peer.Ufrag, peer.Pwd)
	}
	switch {
	case err == nil:
		s.log.Debug("path punched", zap.String("pair", s.Pair()))
		return &PacketConn{conn: conn, sess: s}, nil
	case ctx.Err() != nil:
		return nil, fmt.Errorf("%w within %v", ErrNoPath, s.cfg.ConnectTimeout)
	case errors.Is(err, ice.ErrClosed):
		return nil, ErrClosed
	default:
		return nil, fmt.Errorf("%w: %v", ErrNoPath, err)
	}
}

// Pair names the selected pair's candidate types, local then remote
// ("host-host", "srflx-prflx"), or "" before one is selected.
func (s *Session) Pair() string {
	p, err := s.agent.GetSelectedCandidatePair()
	if err != nil || p == nil {
		return ""
	}
	return strings.Join([]string{p.Local.Type().String(), p.Remote.Type().String()}, "-")
}

// Done is closed once the session has closed: by its owner, or because
// ICE gave up on the path.
func (s *Session) Done() <-chan struct{} { return s.done }

// Close stops the agent and closes its sockets. It is idempotent.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.closeErr = s.agent.Close()
		s.handlers.Wait()
		s.quiet.Store(true)
		close(s.done)
	})
	return s.closeErr
}
