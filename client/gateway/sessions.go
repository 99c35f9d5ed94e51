package gateway

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/client/exitdial"
)

// Session defaults, used when the matching SessionConfig field is zero.
const (
	DefaultSessionTTL  = 30 * time.Minute
	DefaultSessionIdle = 5 * time.Minute
	DefaultMaxSessions = 10000
)

// ExitDialer is a Dialer that can also reach a destination through one
// named exit, which sticky and strict sessions need. The connections it
// returns name their exit with an ExitNodeID() string method. DialExit
// fails with an error wrapping exitdial.ErrExitUnavailable when that exit
// cannot carry connections; *exitdial.Pool implements it.
type ExitDialer interface {
	Dialer
	DialExit(ctx context.Context, exit, network, address string) (net.Conn, error)
}

var _ ExitDialer = (*exitdial.Pool)(nil)

// SessionConfig bounds sessions. A session is forgotten TTL after it
// began or Idle after its last connection, whichever comes first; beyond
// Max sessions the least recently used is forgotten. Zero values mean
// DefaultSessionTTL, DefaultSessionIdle and DefaultMaxSessions.
type SessionConfig struct {
	TTL, Idle time.Duration
	Max       int
	// OnMove, when set, is called when a sticky session moves to another
	// exit because its exit died. It must not block.
	OnMove func(SessionMove)
}

func (c SessionConfig) withDefaults() SessionConfig {
	if c.TTL == 0 {
		c.TTL = DefaultSessionTTL
	}
	if c.Idle == 0 {
		c.Idle = DefaultSessionIdle
	}
	if c.Max == 0 {
		c.Max = DefaultMaxSessions
	}
	return c
}

// SessionMove says that a sticky session left a dead exit.
type SessionMove struct {
	Session  string
	From, To string // exit node IDs
	At       time.Time
}

// ErrSessionExitDown is the error a strict session gets once its exit has
// died: it is reported to clients as Proxy-Status destination_unavailable
// and SOCKS5 reply "network unreachable".
var ErrSessionExitDown = errors.New("the session's exit is down and strict mode never moves a session")

// dialVia opens a tunnel connection to address for a client session. In
// rotating mode, or without a session, the Dialer picks the exit. session
// "" means the destination host: connections to one host share an exit.
func (g *Gateway) dialVia(ctx context.Context, network, address, session string) (net.Conn, error) {
	if g.exits == nil {
		return g.dialer.DialContext(ctx, network, address)
	}
	if session == "" {
		session, _, _ = net.SplitHostPort(address)
	}
	s := g.sessions.get(session, time.Now())
	exit, c, err := s.pick(func() (net.Conn, error) { return g.dialer.DialContext(ctx, network, address) })
	if c != nil || err != nil {
		return c, err
	}
	c, err = g.exits.DialExit(ctx, exit, network, address)
	if err == nil || !errors.Is(err, exitdial.ErrExitUnavailable) || ctx.Err() != nil {
		return c, err
	}
	if g.cfg.Mode == api.ModeStrict {
		g.log.Warn("strict session's exit is down", zap.String("exit", exit))
		return nil, &statusError{status: "destination_unavailable", reply: repNetUnreachable,
			detail: fmt.Sprintf("exit %s: %v", exit, ErrSessionExitDown), err: ErrSessionExitDown}
	}
	return g.move(ctx, s, session, exit, network, address)
}

// move dials through any other exit and makes it the session's.
func (g *Gateway) move(ctx context.Context, s *session, key, from, network, address string) (net.Conn, error) {
	c, err := g.dialer.DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	to := exitOf(c)
	if s.moveFrom(from, to) {
		g.log.Info("session moved to another exit", zap.String("from", from), zap.String("to", to))
		if f := g.cfg.Sessions.OnMove; f != nil {
			f(SessionMove{Session: key, From: from, To: to, At: time.Now()})
		}
	}
	return c, nil
}

// exitOf names the exit carrying c, or "" when c does not say.
func exitOf(c net.Conn) string {
	if e, ok := c.(interface{ ExitNodeID() string }); ok {
		return e.ExitNodeID()
	}
	return ""
}

// session is one client session's exit.
type session struct {
	choose sync.Mutex // held while the first exit is chosen
	mu     sync.Mutex
	exit   string
	began  time.Time
	used   time.Time
}

// pick returns the session's exit; a session without one takes the exit
// of a first connection made by dial, which pick then returns.
func (s *session) pick(dial func() (net.Conn, error)) (string, net.Conn, error) {
	if exit := s.current(); exit != "" {
		return exit, nil, nil
	}
	s.choose.Lock()
	defer s.choose.Unlock()
	if exit := s.current(); exit != "" {
		return exit, nil, nil
	}
	c, err := dial()
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	s.exit = exitOf(c)
	s.mu.Unlock()
	return s.exit, c, nil
}

func (s *session) current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.exit
}

// moveFrom sets the exit to to if it still is from, and reports whether
// it did: of several connections finding the exit dead, one moves it.
func (s *session) moveFrom(from, to string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.exit != from || to == "" {
		return false
	}
	s.exit = to
	return true
}
