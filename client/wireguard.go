package client

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/sparelink/sparelink/broker/api"
	"github.com/sparelink/sparelink/internal/identity"
)

// NodeWireGuardPeers lists the WireGuard peers a node's exit should have: those
// of its active leases.
func (c *Client) NodeWireGuardPeers(ctx context.Context, nodeID string) (*api.WireGuardPeerList, error) {
	if nodeID == "" {
		return nil, fmt.Errorf("wireguard peers: %w", errEmptyID)
	}
	var out api.WireGuardPeerList
	path := "/v1/nodes/" + url.PathEscape(nodeID) + "/wireguard/peers"
	return &out, c.do(ctx, call{method: http.MethodGet, path: path}, &out)
}

// NewWireGuardKey makes a WireGuard key pair for a lease, both in
// standard base64: send the public key as the lease's
// wireguard_public_key and keep the private key to complete the exits'
// configurations with WireGuardConfig. The private key never goes to the
// broker.
func NewWireGuardKey() (private, public string, err error) {
	k, err := identity.GenerateWireGuard()
	if err != nil {
		return "", "", err
	}
	public, err = k.Public()
	if err != nil {
		return "", "", err
	}
	return k.String(), public, nil
}

// WireGuardConfig returns an exit's wg-quick configuration with the
// buyer's private key in place, ready for wg-quick or a phone app.
func WireGuardConfig(e *api.WireGuardExit, privateKey string) (string, error) {
	if e == nil {
		return "", fmt.Errorf("wireguard config: the exit has no WireGuard credentials")
	}
	if _, err := identity.ParseWireGuardKey([]byte(privateKey)); err != nil {
		return "", fmt.Errorf("wireguard config: %w", err)
	}
	lines := strings.Split(e.Config, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "# PrivateKey") {
			lines[i] = "PrivateKey = " + privateKey
			return strings.Join(lines, "\n"), nil
		}
	}
	return "", fmt.Errorf("wireguard config: no place for the private key")
}
