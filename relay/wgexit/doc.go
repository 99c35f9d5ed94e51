// Package wgexit is the WireGuard exit of a node: a wireguard-go device
// whose packets end in a userspace gVisor network stack, so it needs no
// root, no TUN device and no kernel routing. Every TCP connection and UDP
// flow a buyer opens through the tunnel is re-originated by the exit from
// the node's own sockets, through the shared egress policy, and its
// payload is metered and shaped per lease exactly like the QUIC exit's.
//
// Each lease gets one or more peers (the buyer's WireGuard public keys),
// and each peer a tunnel IPv4 and IPv6 address from the exit's pools. The
// first address of each pool is the exit's own: it answers DNS there,
// resolving names on the node and answering only with addresses the
// egress policy permits. Any stock WireGuard client can connect with the
// wg-quick configuration that Exit.Config renders.
//
// The package does not authenticate leases, sign receipts or talk to the
// broker: the node adds and removes peers as leases start and end. It
// does not open a kernel interface either; that mode is not built.
package wgexit
