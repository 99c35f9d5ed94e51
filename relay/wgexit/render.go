package wgexit

import (
	"fmt"
	"net/netip"
	"strings"
)

// keepalive is the PersistentKeepalive of rendered configs, in seconds:
// often enough to hold a buyer's NAT mapping open.
const keepalive = 25

// ClientConfig is what a buyer's WireGuard client needs to use the exit.
type ClientConfig struct {
	// PrivateKey is the buyer's base64 private key. Empty leaves the
	// PrivateKey line out, for a buyer that keeps its key to itself and
	// adds the line locally.
	PrivateKey string
	Address    Assigned
	DNS        []netip.Addr
	MTU        int
	// ExitPublicKey is the exit's base64 public key.
	ExitPublicKey string
	// Endpoint is the exit's public "host:port".
	Endpoint string
}

// Config renders the wg-quick configuration of a peer whose addresses are
// a, for a buyer with the given private key (may be empty, see
// ClientConfig.PrivateKey) reaching the exit at endpoint.
func (e *Exit) Config(a Assigned, buyerPrivateKey, endpoint string) string {
	own := e.pool.own()
	return ClientConfig{
		PrivateKey:    buyerPrivateKey,
		Address:       a,
		DNS:           []netip.Addr{own.IPv4, own.IPv6},
		MTU:           e.cfg.MTU,
		ExitPublicKey: e.publicKey,
		Endpoint:      endpoint,
	}.String()
}

// String renders the configuration in wg-quick's format: all traffic of
// both families goes through the tunnel, and the exit's resolver answers
// DNS.
func (c ClientConfig) String() string {
	var b strings.Builder
	b.WriteString("[Interface]\n")
	if c.PrivateKey != "" {
		fmt.Fprintf(&b, "PrivateKey = %s\n", c.PrivateKey)
	}
	fmt.Fprintf(&b, "Address = %s/32, %s/128\n", c.Address.IPv4, c.Address.IPv6)
	if len(c.DNS) > 0 {
		dns := make([]string, len(c.DNS))
		for i, a := range c.DNS {
			dns[i] = a.String()
		}
		fmt.Fprintf(&b, "DNS = %s\n", strings.Join(dns, ", "))
	}
	if c.MTU > 0 {
		fmt.Fprintf(&b, "MTU = %d\n", c.MTU)
	}
	b.WriteString("\n[Peer]\n")
	fmt.Fprintf(&b, "PublicKey = %s\n", c.ExitPublicKey)
	fmt.Fprintf(&b, "Endpoint = %s\n", c.Endpoint)
	b.WriteString("AllowedIPs = 0.0.0.0/0, ::/0\n")
	fmt.Fprintf(&b, "PersistentKeepalive = %d\n", keepalive)
	return b.String()
}
