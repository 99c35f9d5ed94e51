// Package egresstable holds the cross-path egress tests: one table of
// destinations a buyer must never reach from a seller's machine, driven
// through every exit path that exists (the egress policy itself, the QUIC
// exit's TCP CONNECT through the buyer's exit dialer, and the buyer
// gateway's SOCKS5 and HTTP proxies in front of that exit).
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
// The package has no code outside its tests; it exists so that these
// tests can import every exit path without an import cycle.
package egresstable
