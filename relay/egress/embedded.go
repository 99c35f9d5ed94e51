package egress

import "net/netip"

var (
	zeroPrefix   = netip.MustParsePrefix("::/8") // compatible, translated, NAT64
	nat64Local   = netip.MustParsePrefix("64:ff9b:1::/48")
	sixToFour    = netip.MustParsePrefix("2002::/16")
	teredoPrefix = netip.MustParsePrefix("2001::/32")
)

// embeddedV4 returns the IPv4 addresses an IPv6 address carries in the
// forms that route to them: IPv4-compatible (::a.b.c.d), SIIT translated
// (::ffff:0:a.b.c.d) and NAT64 (64:ff9b::/96) keep it in the low 32 bits;
// the local-use NAT64 prefix 64:ff9b:1::/48 may use any RFC 6052 layout, so
// every layout that fits inside it is returned (see nonZeroNet); 6to4 keeps it in bits
// 16-47; Teredo keeps the server in bits 32-63 and the client, inverted,
// in the low 32 bits. IPv4-mapped addresses are unmapped before this is
// called. An IPv4 address embeds nothing.
func embeddedV4(a netip.Addr) []netip.Addr {
	if !a.Is6() {
		return nil
	}
	b := a.As16()
	switch {
	case nat64Local.Contains(a):
		return nonZeroNet([]netip.Addr{
			v4(b[12], b[13], b[14], b[15]), // /96
			v4(b[6], b[7], b[9], b[10]),    // /48
			v4(b[7], b[9], b[10], b[11]),   // /56
			v4(b[9], b[10], b[11], b[12]),  // /64
		})
	case zeroPrefix.Contains(a):
		return []netip.Addr{v4(b[12], b[13], b[14], b[15])}
	case sixToFour.Contains(a):
		return []netip.Addr{v4(b[2], b[3], b[4], b[5])}
	case teredoPrefix.Contains(a):
		return []netip.Addr{
			v4(b[4], b[5], b[6], b[7]),
			v4(^b[12], ^b[13], ^b[14], ^b[15]),
		}
	}
	return nil
}

// nonZeroNet drops readings in 0.0.0.0/8. For the local-use NAT64 prefix
// the layouts not in use read as such zeros; the prefix is refused as a
// whole anyway, so dropping them only keeps the reason meaningful.
func nonZeroNet(list []netip.Addr) []netip.Addr {
	out := list[:0]
	for _, a := range list {
		if a.As4()[0] != 0 {
			out = append(out, a)
		}
	}
	return out
}

func v4(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

// canonical strips the zone and unmaps IPv4-mapped IPv6, so that every
// spelling of one destination is judged and matched as the same address.
func canonical(a netip.Addr) netip.Addr {
	return a.WithZone("").Unmap()
}
