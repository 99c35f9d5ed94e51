package broker

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/broker/store"
)

// WireGuard exits. A node serving "wg" registers its exit key and
// address. A lease with "wg" carries the buyer's public key: for each of
// its exits the broker assigns the peer a tunnel address free on that
// exit (store.EnsureWireGuardPeer), tells the node over its control
// channel to admit the key, and returns a wg-quick configuration lacking
// only the buyer's private key. The node removes the peer when the lease
// is revoked. Nodes that restart or missed commands fetch their peers
// from GET /v1/nodes/{id}/wireguard/peers.

// wireGuardPools are the tunnel address pools every exit uses.
var (
	wireGuardPool4 = netip.MustParsePrefix(api.WireGuardPrefix4)
	wireGuardPool6 = netip.MustParsePrefix(api.WireGuardPrefix6)
)

// checkWireGuardListing validates a registration's WireGuard fields: both
// or neither, and both when the node serves "wg".
func checkWireGuardListing(req api.RegisterNodeRequest) ([]byte, error) {
	serves := slices.Contains(req.Protocols, api.ProtocolWireGuard)
	if !serves && req.WireGuardPublicKey == "" && req.WireGuardAddr == "" {
		return nil, nil
	}
	key, ok := decodeB64(req.WireGuardPublicKey, 32)
	if !ok {
		return nil, badRequest("wireguard_public_key must be a standard base64 WireGuard public key")
	}
	if !validHostPort(req.WireGuardAddr) {
		return nil, badRequest("wireguard_addr must be host:port")
	}
	return key, nil
}

// checkWireGuardRequest checks a request's WireGuard key, when it has
// one: a valid key, and the "wg" protocol to use it. Quotes need no key.
func checkWireGuardRequest(req api.LeaseRequest) error {
	if req.WireGuardPublicKey == "" {
		return nil
	}
	if !slices.Contains(req.Protocols, api.ProtocolWireGuard) {
		return badRequest("wireguard_public_key needs the %q protocol", api.ProtocolWireGuard)
	}
	if _, ok := decodeB64(req.WireGuardPublicKey, 32); !ok {
		return badRequest("wireguard_public_key must be a standard base64 WireGuard public key")
	}
	return nil
}

// needWireGuardKey refuses to buy a "wg" lease without the buyer's key.
func needWireGuardKey(req api.LeaseRequest) error {
	if slices.Contains(req.Protocols, api.ProtocolWireGuard) && req.WireGuardPublicKey == "" {
		return badRequest("leases with the %q protocol need wireguard_public_key, the buyer's WireGuard public key", api.ProtocolWireGuard)
	}
	return nil
}

// admitWireGuard assigns the buyer's key a tunnel address on every exit
// of l and tells each node to admit it. It runs for new leases and for
// repeats of their creation, so a lease whose first attempt failed
// half-way gets its peers on the retry.
func (b *Broker) admitWireGuard(ctx context.Context, l store.Lease, req api.LeaseRequest) error {
	if !slices.Contains(l.Protocols, api.ProtocolWireGuard) || l.Status != store.LeaseActive {
		return nil
	}
	key, ok := decodeB64(req.WireGuardPublicKey, 32)
	if !ok {
		return badRequest("wireguard_public_key is required")
	}
	for _, nodeID := range l.NodeIDs {
		p, err := b.st.EnsureWireGuardPeer(ctx, store.WireGuardPeer{LeaseID: l.ID, NodeID: nodeID, PublicKey: key})
		if err != nil {
			return storeProblem(err, "wireguard peer")
		}
		b.command(ctx, nodeID, api.CommandWireGuardPeer, peerCommand(l, p), l.ExpiresAt)
	}
	return nil
}

// admitWireGuardOn admits the buyer's key of a WireGuard lease on one
// more exit (a replacement), reusing the key its other peers have.
func (b *Broker) admitWireGuardOn(ctx context.Context, l store.Lease, nodeID string) error {
	if !slices.Contains(l.Protocols, api.ProtocolWireGuard) {
		return nil
	}
	peers, err := b.st.LeaseWireGuardPeers(ctx, l.ID)
	if err != nil || len(peers) == 0 {
		return err
	}
	p, err := b.st.EnsureWireGuardPeer(ctx, store.WireGuardPeer{LeaseID: l.ID, NodeID: nodeID, PublicKey: peers[0].PublicKey})
	if err != nil {
		return err
	}
	b.command(ctx, nodeID, api.CommandWireGuardPeer, peerCommand(l, p), l.ExpiresAt)
	return nil
}

// peerCommand is what a node needs to admit p.
func peerCommand(l store.Lease, p store.WireGuardPeer) api.WireGuardPeer {
	a4, a6 := peerAddrs(p.Index)
	return api.WireGuardPeer{
		LeaseID: l.ID, PublicKey: base64.StdEncoding.EncodeToString(p.PublicKey), Index: p.Index,
		Address4: a4.String(), Address6: a6.String(), RateBps: l.RateBps, MaxBytes: byteCap(l),
		ExpiresAt: l.ExpiresAt,
	}
}

// peerAddrs returns the tunnel addresses of host index i.
func peerAddrs(i int) (netip.Addr, netip.Addr) {
	return addIndex(wireGuardPool4.Addr(), i), addIndex(wireGuardPool6.Addr(), i)
}

// addIndex adds i (below 2^16) to the low bytes of a prefix's address.
func addIndex(base netip.Addr, i int) netip.Addr {
	if base.Is4() {
		b := base.As4()
		v := int(b[2])<<8 | int(b[3]) + i
		b[2], b[3] = byte(v>>8), byte(v)
		return netip.AddrFrom4(b)
	}
	b := base.As16()
	v := int(b[14])<<8 | int(b[15]) + i
	b[14], b[15] = byte(v>>8), byte(v)
	return netip.AddrFrom16(b)
}

// wireGuardViews renders the WireGuard credentials of l's exits, by node.
func (b *Broker) wireGuardViews(ctx context.Context, l store.Lease) (map[string]*api.WireGuardExit, error) {
	if !slices.Contains(l.Protocols, api.ProtocolWireGuard) {
		return nil, nil
	}
	peers, err := b.st.LeaseWireGuardPeers(ctx, l.ID)
	if err != nil {
		return nil, fmt.Errorf("lease %s wireguard peers: %w", l.ID, err)
	}
	out := make(map[string]*api.WireGuardExit, len(peers))
	for _, p := range peers {
		n, err := b.st.Node(ctx, p.NodeID)
		if err != nil || n.WGAddr == "" || len(n.WGPublicKey) != 32 {
			continue // the node left or no longer serves WireGuard
		}
		out[p.NodeID] = wireGuardView(n, p)
	}
	return out, nil
}

// wireGuardView is the buyer's view of peer p on node n.
func wireGuardView(n store.Node, p store.WireGuardPeer) *api.WireGuardExit {
	a4, a6 := peerAddrs(p.Index)
	dns4, dns6 := peerAddrs(1)
	v := &api.WireGuardExit{
		Endpoint: n.WGAddr, PublicKey: base64.StdEncoding.EncodeToString(n.WGPublicKey),
		Address4: a4.String(), Address6: a6.String(), DNS: dns4.String() + ", " + dns6.String(),
	}
	var c strings.Builder
	fmt.Fprintf(&c, "[Interface]\n# PrivateKey = <the private key of %s>\n", base64.StdEncoding.EncodeToString(p.PublicKey))
	fmt.Fprintf(&c, "Address = %s/32, %s/128\nDNS = %s\nMTU = %d\n\n", v.Address4, v.Address6, v.DNS, api.WireGuardMTU)
	fmt.Fprintf(&c, "[Peer]\nPublicKey = %s\nEndpoint = %s\n", v.PublicKey, v.Endpoint)
	c.WriteString("AllowedIPs = 0.0.0.0/0, ::/0\nPersistentKeepalive = 25\n")
	v.Config = c.String()
	return v
}

// nodeWireGuardPeers lists the peers a node should have: those of its
// active leases.
func (b *Broker) nodeWireGuardPeers(w http.ResponseWriter, r *http.Request, p principal) error {
	n, err := b.st.Node(r.Context(), r.PathValue("id"))
	if err != nil {
		return storeProblem(err, "node")
	}
	if !p.owns(n.OperatorID) {
		return forbidden("node %s belongs to another operator", n.ID)
	}
	peers, err := b.st.NodeWireGuardPeers(r.Context(), n.ID)
	if err != nil {
		return storeProblem(err, "wireguard peers")
	}
	out := api.WireGuardPeerList{Peers: make([]api.WireGuardPeer, 0, len(peers))}
	for _, wp := range peers {
		l, err := b.st.Lease(r.Context(), wp.LeaseID)
		if err != nil {
			return storeProblem(err, "lease")
		}
		out.Peers = append(out.Peers, peerCommand(l, wp))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
