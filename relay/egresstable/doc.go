// Package egresstable holds the cross-path egress tests: one table of
// destinations a buyer must never reach from a seller's machine, driven
// through every exit path that exists (the egress policy itself, the QUIC
// exit's TCP CONNECT and CONNECT-UDP through the buyer's exit dialer, the
// buyer gateway's SOCKS5 and HTTP proxies in front of that exit, and the
// WireGuard exit's TCP and UDP forwarders behind a client configured from
// the exit's rendered configuration).
//
// Each denied destination that can exist on the test machine has a canary
// listener bound on it, and every socket the policy lets through is seen
// by a tripwire in the dialer's Control hook, which refuses anything that
// is not a local address before a packet is sent. A test passes only when
// no canary accepted a connection and the tripwire saw nothing but the
// permitted origins. Addresses a normal user cannot bind (private, CGNAT,
// link-local, metadata, ...) get canaries inside a network namespace of
// their own when the tests run as root.
//
// Over WireGuard a buyer sends packets to addresses, so the table's hosts
// reach the exit the way a stock client sends them: literals and numeric
// spellings as addresses, names through the exit's DNS. A refusal there
// is a REFUSED or NXDOMAIN answer, a RST, an ICMP port unreachable, or,
// for multicast and broadcast destinations that no host answers, a raw
// packet the exit received and dropped; in every case the lease's meter
// must not move.
//
// The package has no code outside its tests; it exists so that these
// tests can import every exit path without an import cycle.
package egresstable
