// Package egress decides where a stranger's traffic may go from a seller's
// machine. Every exit path (the QUIC exit's TCP and UDP tunnels, the
// WireGuard exit, and so the buyer's gateway, which reaches destinations
// only through exits) asks a Policy before it opens a connection on a
// buyer's behalf.
//
// The built-in rules refuse loopback, private, link-local, CGNAT, multicast,
// unspecified, reserved and documentation ranges, cloud metadata services,
// the machine's own addresses and the IPv6 /64s they sit in, in every
// spelling: inet_aton forms such as "0x7f.1" or "2130706433", IPv6 forms
// that embed an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo),
// zones, trailing dots and names that only mean something on the local
// network. SMTP ports (25, 465, 587) are closed by default, and a
// web-only mode closes everything but 80 and 443. Owners add exceptions
// (Allow) and extra refusals (Deny) as rules naming a prefix, a host name
// ("example.com", "*.example.com") or any host ("*"), each with an
// optional port or port range. A name rule never opens a built-in
// refusal: the addresses the name resolves to are still judged.
//
// Names are resolved once and the checked address is dialled, never the
// name, so a DNS answer that changes between check and connect cannot move
// the connection; a dialer Control hook checks the final socket address as
// a second line of defence.
//
// The package does not shape, count or authenticate traffic, and it knows
// nothing about the broker; it only answers "may this destination be
// reached" and dials it when the answer is yes.
package egress
