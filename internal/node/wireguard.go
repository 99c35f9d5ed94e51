package node

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"go.uber.org/zap"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/identity"
	"github.com/sparelink/sparelink/relay/wgexit"
)

// WireGuard configures a node's WireGuard exit (relay/wgexit): rootless,
// on a userspace network stack, behind the same egress gate, meter and
// owner controls as the QUIC exit.
type WireGuard struct {
	// Key is the node's WireGuard private key; required.
	Key identity.WireGuardKey
	// ListenAddr is the exit's UDP address; zero means 127.0.0.1:0.
	ListenAddr string
	// AdvertiseAddr is the address buyers' clients dial; zero means the
	// listening address.
	AdvertiseAddr string
}

// peerSync is how often a node with a WireGuard exit fetches the peers
// the broker says it should have, beyond the commands that add them.
const peerSync = 5 * time.Minute

// startWireGuard starts the WireGuard exit when the config asks for one.
func (n *Node) startWireGuard() error {
	w := n.cfg.WireGuard
	if w == nil {
		return nil
	}
	listen := w.ListenAddr
	if listen == "" {
		listen = "127.0.0.1:0"
	}
	exit, err := wgexit.New(wgexit.Config{PrivateKey: w.Key, Egress: n.gate, Meter: n.meter, ListenAddr: listen},
		n.log.Named("wireguard"))
	if err != nil {
		return fmt.Errorf("start wireguard exit: %w", err)
	}
	exit.SetMaxRate(n.maxRate.Load())
	n.wg = exit
	n.wgAddr = w.AdvertiseAddr
	if n.wgAddr == "" {
		host, _, err := net.SplitHostPort(listen)
		if err != nil || host == "" {
			host = "127.0.0.1"
		}
		n.wgAddr = net.JoinHostPort(host, strconv.Itoa(int(exit.Port())))
	}
	return nil
}

// WireGuardAddr is the address buyers' WireGuard clients dial, or "" when
// the node has no WireGuard exit.
func (n *Node) WireGuardAddr() string { return n.wgAddr }

// wireGuardPeer admits a buyer's key the broker sent for a lease. The
// broker assigns addresses, so a peer holding the address (a lease that
// ended while the node was away) makes room.
func (n *Node) wireGuardPeer(p api.WireGuardPeer) error {
	if n.wg == nil {
		return errors.New("no wireguard exit")
	}
	key, err := base64.StdEncoding.DecodeString(p.PublicKey)
	if err != nil || len(key) != 32 || p.Index <= 0 || p.LeaseID == "" {
		return fmt.Errorf("malformed wireguard peer for lease %q", p.LeaseID)
	}
	peer := wgexit.Peer{LeaseID: p.LeaseID, RateBps: p.RateBps, MaxBytes: p.MaxBytes, Index: uint32(p.Index)}
	copy(peer.PublicKey[:], key)
	for _, old := range n.wg.Peers() {
		switch {
		case old.PublicKey == peer.PublicKey && old.LeaseID == p.LeaseID && old.Assigned.IPv4 == addrOf(p.Address4):
			return nil // already admitted
		case old.PublicKey == peer.PublicKey || old.Assigned.IPv4 == addrOf(p.Address4):
			if err := n.wg.RemovePeer(old.PublicKey); err != nil && !errors.Is(err, wgexit.ErrUnknownPeer) {
				return err
			}
		}
	}
	a, err := n.wg.AddPeer(peer)
	if err != nil {
		return fmt.Errorf("admit wireguard peer of lease %s: %w", p.LeaseID, err)
	}
	n.log.Info("wireguard peer admitted", zap.String("lease", p.LeaseID), zap.Stringer("address", a.IPv4))
	return nil
}

func addrOf(s string) netip.Addr {
	a, _ := netip.ParseAddr(s)
	return a
}

// removeWireGuardLease removes a revoked lease's peers.
func (n *Node) removeWireGuardLease(leaseID string) {
	if n.wg == nil {
		return
	}
	if err := n.wg.RemoveLease(leaseID); err != nil && !errors.Is(err, wgexit.ErrUnknownPeer) {
		n.log.Warn("remove wireguard peers", zap.String("lease", leaseID), zap.Error(err))
	}
}

// syncWireGuard makes the exit's peers those the broker lists: missing
// ones are admitted, those of leases no longer listed removed.
func (n *Node) syncWireGuard(ctx context.Context) {
	if n.wg == nil {
		return
	}
	list, err := n.cfg.Broker.NodeWireGuardPeers(ctx, n.ID())
	if err != nil {
		if ctx.Err() == nil {
			n.log.Warn("fetch wireguard peers", zap.Error(err))
		}
		return
	}
	want := make(map[string]bool, len(list.Peers))
	for _, p := range list.Peers {
		want[p.LeaseID] = true
		if err := n.wireGuardPeer(p); err != nil {
			n.log.Warn("wireguard peer", zap.Error(err))
		}
	}
	for _, old := range n.wg.Peers() {
		if !want[old.LeaseID] {
			n.removeWireGuardLease(old.LeaseID)
		}
	}
}

// wireGuardCommand handles a wireguard_peer command.
func (n *Node) wireGuardCommand(c api.Command) error {
	var p api.WireGuardPeer
	if err := json.Unmarshal(c.Data, &p); err != nil {
		return fmt.Errorf("malformed wireguard_peer command: %w", err)
	}
	return n.wireGuardPeer(p)
}
