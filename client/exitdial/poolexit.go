package exitdial

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// ErrUnknownExit means DialExit named an exit the pool does not hold, or
// no longer holds after an Update. It comes wrapped with
// ErrExitUnavailable.
var ErrUnknownExit = errors.New("exit not in pool")

// DialExit opens a connection to address through the exit nodeID only,
// for callers that keep a session on one exit. network is "tcp", "tcp4",
// "tcp6" or, for a UDP flow, "udp", "udp4", "udp6". An exit that the
// health checks found dead, or that is not in the pool, fails at once
// with ErrExitUnavailable; DialExit never moves to another exit.
func (p *Pool) DialExit(ctx context.Context, nodeID, network, address string) (net.Conn, error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	m := p.member(nodeID)
	if m == nil {
		return nil, fmt.Errorf("exit %s: %w: %w", nodeID, ErrExitUnavailable, ErrUnknownExit)
	}
	if m.isDead() {
		return nil, fmt.Errorf("exit %s: %w: %w", nodeID, ErrExitUnavailable, errExitLost)
	}
	if isUDP(network) {
		c, err := tryDial(ctx, p, m, func(ctx context.Context, d *Dialer) (*UDPConn, error) {
			return d.DialUDP(ctx, address)
		})
		if err != nil {
			return nil, err
		}
		return c, nil
	}
	if err := checkTarget(network, address); err != nil {
		return nil, err
	}
	return p.try(ctx, m, network, address)
}

// member returns the member for nodeID, or nil.
func (p *Pool) member(nodeID string) *member {
	for _, m := range p.list() {
		if m.d.exit.NodeID == nodeID {
			return m
		}
	}
	return nil
}

// Healthy returns the node IDs of the exits that the health checks have
// not found dead, in pool order.
func (p *Pool) Healthy() []string {
	var ids []string
	for _, m := range p.list() {
		if !m.isDead() {
			ids = append(ids, m.d.exit.NodeID)
		}
	}
	return ids
}

func isUDP(network string) bool {
	return network == "udp" || network == "udp4" || network == "udp6"
}

// dialUDPConn is DialUDP as a net.Conn, for DialContext.
func (p *Pool) dialUDPConn(ctx context.Context, address string) (net.Conn, error) {
	c, err := p.DialUDP(ctx, address)
	if err != nil {
		return nil, err
	}
	return c, nil
}
