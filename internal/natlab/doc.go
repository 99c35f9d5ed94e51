// Package natlab is the multi-host test of NAT traversal, in Linux network
// namespaces (the idea of Tailscale's natlab, with real kernel NATs): a
// public "internet" namespace with the broker, its STUN server, a
// rendezvous relay and a canary origin; an agent behind a cone NAT
// (nftables masquerade, which keeps one port for every destination); an
// agent behind a symmetric NAT (masquerade with random ports); and a buyer
// behind a cone NAT of its own. The buyer must reach the first agent over
// a punched path and the second through the relay, with the exits and
// the relay metering what they carried.
//
// Every host is the test binary itself, started under `ip netns exec`
// with NATLAB_ROLE naming its part; hosts talk to each other only through
// the network and through JSON files in a shared directory. It needs root
// and the ip and nft tools, and skips (or fails in CI) without them.
package natlab
