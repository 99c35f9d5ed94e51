// Package wginterop holds the WireGuard interoperability test of a whole
// lease: a real broker, a real node with a rootless WireGuard exit, and a
// stock client (Debian's wireguard-go, configured with wg and ip from the
// wg-quick text the broker returned) in a network namespace of its own,
// fetching with curl from an origin in another namespace. It checks that
// what the origin served is what the node metered, that the broker
// settles exactly that, and that denied destinations get and cost
// nothing.
//
// The test needs root and the tools ip, wg, wireguard-go and curl; without
// them it skips loudly on a developer machine and fails in CI (see
// internal/testenv). The package has no code outside its tests.
package wginterop
