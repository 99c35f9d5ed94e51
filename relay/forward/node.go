package forward

import (
	"crypto/ed25519"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
)

// NodeConfig configures a NodeConn. Relay and Key are required.
type NodeConfig struct {
	// Relay is the forwarder's "ip:port" or "host:port".
	Relay string
	// Key is the node's identity key; registrations are signed with it.
	Key ed25519.PrivateKey
	// Interval between registrations, which also keep the NAT binding
	// to the relay open; zero means 10 s.
	Interval time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// NodeConn is the exit's end of a relay: one socket registered with the
// relay, carrying every relayed buyer. Each buyer is a SessionAddr, so a
// QUIC server on it tells them apart as it would UDP peers.
type NodeConn struct {
	udp
	cfg     NodeConfig
	log     *zap.Logger
	acked   atomic.Int64 // unix nanos of the relay's last acknowledgement
	done    chan struct{}
	wg      sync.WaitGroup
	closing sync.Once
}

var _ net.PacketConn = (*NodeConn)(nil)

// DialNode opens a socket to the relay and keeps the node registered
// there until Close. A nil log discards logs.
func DialNode(cfg NodeConfig, log *zap.Logger) (*NodeConn, error) {
	if cfg.Relay == "" || len(cfg.Key) != ed25519.PrivateKeySize {
		return nil, errors.New("forward: NodeConfig.Relay and Key are required")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = zap.NewNop()
	}
	u, err := dialUDP(cfg.Relay)
	if err != nil {
		return nil, err
	}
	c := &NodeConn{udp: u, cfg: cfg, log: log.Named("forward"), done: make(chan struct{})}
	c.register()
	c.wg.Add(1)
	go c.keepRegistered()
	return c, nil
}

func (c *NodeConn) register() {
	err := c.send(func(b []byte) []byte { return appendRegister(b, c.cfg.Key, c.cfg.Now()) })
	if err != nil {
		c.log.Debug("register with relay", zap.Error(err))
	}
}

func (c *NodeConn) keepRegistered() {
	defer c.wg.Done()
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			c.register()
		}
	}
}

// Registered reports whether the relay acknowledged a registration
// within the last three intervals.
func (c *NodeConn) Registered() bool {
	at := c.acked.Load()
	return at != 0 && c.cfg.Now().Sub(time.Unix(0, at)) < 3*c.cfg.Interval
}

// Relay is the relay's address.
func (c *NodeConn) Relay() string { return c.relay.String() }

// ReadFrom reads the next buyer packet and names its session.
func (c *NodeConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, err := c.readRelay(p)
		if err != nil {
			return 0, nil, err
		}
		pk, err := Parse(p[:n])
		switch {
		case err != nil:
		case pk.Type == typeRegistered:
			c.acked.Store(c.cfg.Now().UnixNano())
		case pk.Type == typeFromBuyer:
			return copy(p, pk.Payload), SessionAddr(pk.Session), nil
		}
	}
}

// WriteTo sends p to the buyer of session addr.
func (c *NodeConn) WriteTo(p []byte, addr net.Addr) (int, error) {
	s, ok := addr.(SessionAddr)
	if !ok {
		return 0, &net.AddrError{Err: "not a relay session", Addr: addr.String()}
	}
	if err := c.send(func(b []byte) []byte { return appendSession(b, typeToBuyer, uint32(s), p) }); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close stops registering and closes the socket. It is idempotent.
func (c *NodeConn) Close() error {
	var err error
	c.closing.Do(func() {
		close(c.done)
		err = c.conn.Close()
		c.wg.Wait()
	})
	return err
}

// LocalAddr is the socket's address.
func (c *NodeConn) LocalAddr() net.Addr { return c.conn.LocalAddr() }
