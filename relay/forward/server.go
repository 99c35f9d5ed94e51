package forward

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/metering/meter"
)

// ServerConfig configures a Server. The zero value listens on
// 127.0.0.1:0 with the defaults below.
type ServerConfig struct {
	// Listen is the UDP address; empty means 127.0.0.1:0.
	Listen string
	// Meter counts each node's relayed payload under its node ID: Up is
	// buyer to node, Down node to buyer. Nil means a private meter.
	Meter *meter.Meter
	// SessionIdle forgets a buyer after this long without packets; zero
	// means 2 minutes. NodeIdle forgets a node that stopped registering;
	// zero means 1 minute.
	SessionIdle, NodeIdle time.Duration
	// MaxSessions bounds the buyers relayed at once; zero means 4096.
	MaxSessions int
	// MaxSkew is how far a registration's clock may be off; zero means
	// 2 minutes.
	MaxSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is a running forwarder.
type Server struct {
	cfg  ServerConfig
	log  *zap.Logger
	conn *net.UDPConn

	mu       sync.Mutex
	nodes    map[string]*nodeEntry
	sessions map[uint32]*session
	byBuyer  map[buyerKey]uint32

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type nodeEntry struct {
	addr netip.AddrPort
	at   time.Time // of the newest registration, by the node's clock
	seen time.Time
}

type buyerKey struct {
	addr   netip.AddrPort
	nodeID string
}

type session struct {
	buyerKey
	seen time.Time
}

// Listen starts a forwarder. A nil log discards logs.
func Listen(cfg ServerConfig, log *zap.Logger) (*Server, error) {
	if log == nil {
		log = zap.NewNop()
	}
	cfg = cfg.withDefaults()
	ua, err := net.ResolveUDPAddr("udp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("forward listen %s: %w", cfg.Listen, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("forward listen %s: %w", cfg.Listen, err)
	}
	s := &Server{cfg: cfg, log: log.Named("forward"), conn: conn, nodes: make(map[string]*nodeEntry),
		sessions: make(map[uint32]*session), byBuyer: make(map[buyerKey]uint32), done: make(chan struct{})}
	s.wg.Add(2)
	go s.serve()
	go s.sweepLoop()
	s.log.Info("forwarding", zap.Stringer("addr", conn.LocalAddr()))
	return s, nil
}

func (c ServerConfig) withDefaults() ServerConfig {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.Meter == nil {
		c.Meter = new(meter.Meter)
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 2 * time.Minute
	}
	if c.NodeIdle <= 0 {
		c.NodeIdle = time.Minute
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 4096
	}
	if c.MaxSkew <= 0 {
		c.MaxSkew = 2 * time.Minute
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Addr is the forwarder's UDP address.
func (s *Server) Addr() netip.AddrPort { return s.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

// Meter is the per-node count of relayed payload.
func (s *Server) Meter() *meter.Meter { return s.cfg.Meter }

// Close stops forwarding and waits for the server's goroutines. It is
// idempotent.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.done)
		err = s.conn.Close()
		s.wg.Wait()
	})
	return err
}

// serve reads and forwards packets until Close. One goroutine reads, so
// one buffer pair serves every packet.
func (s *Server) serve() {
	defer s.wg.Done()
	in := make([]byte, MaxPacket+1)
	out := make([]byte, 0, MaxPacket+maxNodeIDLen)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(in)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.log.Warn("read", zap.Error(err))
			}
			return
		}
		if n > MaxPacket {
			continue
		}
		s.handle(in[:n], from.Addr().Unmap(), from.Port(), out[:0])
	}
}

func (s *Server) handle(b []byte, addr netip.Addr, port uint16, out []byte) {
	from := netip.AddrPortFrom(addr, port)
	p, err := Parse(b)
	if err != nil {
		return // noise; never answer unauthenticated junk
	}
	switch p.Type {
	case typeRegister:
		if s.register(b, p, from) {
			_, _ = s.conn.WriteToUDPAddrPort([]byte{Version, typeRegistered}, from)
		}
	case typeToNode:
		to, id, ok := s.toNode(p.NodeID, from)
		if ok {
			s.cfg.Meter.Lease(p.NodeID).AddUp(int64(len(p.Payload)))
			_, _ = s.conn.WriteToUDPAddrPort(appendSession(out, typeFromBuyer, id, p.Payload), to)
		}
	case typeToBuyer:
		to, nodeID, ok := s.toBuyer(p.Session, from)
		if ok {
			s.cfg.Meter.Lease(nodeID).AddDown(int64(len(p.Payload)))
			_, _ = s.conn.WriteToUDPAddrPort(p.Payload, to)
		}
	}
}

// register records a node's address from a valid, fresh registration
// newer than the last one accepted, so that a replayed packet cannot move
// the node elsewhere.
func (s *Server) register(raw []byte, p Packet, from netip.AddrPort) bool {
	now := s.cfg.Now()
	if d := now.Sub(p.At); d > s.cfg.MaxSkew || d < -s.cfg.MaxSkew || !verifyRegister(raw, p) {
		return false
	}
	id := identity.NodeID(p.Public)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.nodes[id]
	switch {
	case !ok:
		s.nodes[id] = &nodeEntry{addr: from, at: p.At, seen: now}
		s.log.Info("node registered", zap.String("node", id))
	case p.At.After(e.at):
		e.addr, e.at, e.seen = from, p.At, now
	case p.At.Equal(e.at) && e.addr == from:
		e.seen = now
	default:
		return false
	}
	return true
}

// toNode finds the node's address and the buyer's session, opening one
// when there is room.
func (s *Server) toNode(nodeID string, from netip.AddrPort) (netip.AddrPort, uint32, bool) {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.nodes[nodeID]
	if !ok {
		return netip.AddrPort{}, 0, false
	}
	k := buyerKey{from, nodeID}
	id, ok := s.byBuyer[k]
	if !ok {
		if len(s.sessions) >= s.cfg.MaxSessions {
			return netip.AddrPort{}, 0, false
		}
		id = s.newSessionID()
		s.byBuyer[k] = id
		s.sessions[id] = &session{buyerKey: k}
	}
	s.sessions[id].seen = now
	return n.addr, id, true
}

// newSessionID picks an unused random ID, so that IDs say nothing about
// other buyers.
func (s *Server) newSessionID() uint32 {
	for {
		id := rand.Uint32()
		if _, taken := s.sessions[id]; !taken {
			return id
		}
	}
}

// toBuyer finds a session's buyer, if the packet comes from the node the
// session belongs to.
func (s *Server) toBuyer(id uint32, from netip.AddrPort) (netip.AddrPort, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return netip.AddrPort{}, "", false
	}
	n, ok := s.nodes[sess.nodeID]
	if !ok || n.addr != from {
		return netip.AddrPort{}, "", false
	}
	return sess.addr, sess.nodeID, true
}

func (s *Server) sweepLoop() {
	defer s.wg.Done()
	t := time.NewTicker(min(s.cfg.SessionIdle, s.cfg.NodeIdle) / 4)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			s.sweep()
		}
	}
}

// sweep forgets idle sessions and nodes that stopped registering.
func (s *Server) sweep() {
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, sess := range s.sessions {
		if now.Sub(sess.seen) > s.cfg.SessionIdle {
			delete(s.sessions, id)
			delete(s.byBuyer, sess.buyerKey)
		}
	}
	for id, n := range s.nodes {
		if now.Sub(n.seen) > s.cfg.NodeIdle {
			delete(s.nodes, id)
		}
	}
}
