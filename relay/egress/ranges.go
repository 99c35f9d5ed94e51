package egress

import "net/netip"

// rangeRule is one built-in refusal.
type rangeRule struct {
	prefix netip.Prefix
	reason Reason
}

func r(s string, reason Reason) rangeRule {
	return rangeRule{prefix: netip.MustParsePrefix(s), reason: reason}
}

// metadataRules are cloud instance metadata, DNS and time services. Most
// sit inside ranges refused anyway; they are listed first so the reason
// says what they are. Azure's wire server is a public address and is only
// refused by this list.
var metadataRules = []rangeRule{
	r("169.254.169.254/32", ReasonMetadata), // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
	r("169.254.169.253/32", ReasonMetadata), // AWS VPC resolver
	r("169.254.169.123/32", ReasonMetadata), // AWS time service
	r("169.254.170.2/32", ReasonMetadata),   // AWS ECS task credentials
	r("169.254.170.23/32", ReasonMetadata),  // AWS EKS pod identity
	r("100.100.100.200/32", ReasonMetadata), // Alibaba Cloud
	r("168.63.129.16/32", ReasonMetadata),   // Azure wire server
	r("192.0.0.192/32", ReasonMetadata),     // Oracle Cloud classic
	r("fd00:ec2::254/128", ReasonMetadata),  // AWS IPv6 metadata
	r("fd00:ec2::23/128", ReasonMetadata),   // AWS IPv6 resolver
	r("fd00:ec2::123/128", ReasonMetadata),  // AWS IPv6 time service
	r("fd20:ce::254/128", ReasonMetadata),   // GCP IPv6 metadata
}

// v4Rules are the refused IPv4 ranges (IANA special-purpose registry).
// The limited broadcast address falls in 240.0.0.0/4.
var v4Rules = []rangeRule{
	r("0.0.0.0/8", ReasonUnspecified),
	r("10.0.0.0/8", ReasonPrivate),
	r("100.64.0.0/10", ReasonCGNAT),
	r("127.0.0.0/8", ReasonLoopback),
	r("169.254.0.0/16", ReasonLinkLocal),
	r("172.16.0.0/12", ReasonPrivate),
	r("192.0.0.0/24", ReasonReserved),
	r("192.0.2.0/24", ReasonReserved),
	r("192.88.99.0/24", ReasonReserved),
	r("192.168.0.0/16", ReasonPrivate),
	r("198.18.0.0/15", ReasonReserved),
	r("198.51.100.0/24", ReasonReserved),
	r("203.0.113.0/24", ReasonReserved),
	r("224.0.0.0/4", ReasonMulticast),
	r("240.0.0.0/4", ReasonReserved),
}

// v6Rules are the refused IPv6 ranges. Everything outside 2000::/3 is
// refused as well (see globalUnicast); the entries below that lie outside
// it are listed to give a more precise reason.
var v6Rules = []rangeRule{
	r("::/128", ReasonUnspecified),
	r("::1/128", ReasonLoopback),
	r("fc00::/7", ReasonPrivate),
	r("fec0::/10", ReasonPrivate), // deprecated site-local
	r("fe80::/10", ReasonLinkLocal),
	r("ff00::/8", ReasonMulticast),
	r("100::/64", ReasonReserved), // discard-only
	r("2001:2::/48", ReasonReserved),
	r("2001:10::/28", ReasonReserved),
	r("2001:20::/28", ReasonReserved),
	r("2001:db8::/32", ReasonReserved),
	r("3fff::/20", ReasonReserved),
	r("5f00::/16", ReasonReserved),
}

var (
	globalUnicast = netip.MustParsePrefix("2000::/3")
	nat64WKP      = netip.MustParsePrefix("64:ff9b::/96")
)

// classifyOne judges a single address, without looking inside it. It
// expects an unmapped, zone-less address.
func classifyOne(a netip.Addr) (Reason, bool) {
	if reason, ok := match(metadataRules, a); ok {
		return reason, true
	}
	if a.Is4() {
		return match(v4Rules, a)
	}
	if reason, ok := match(v6Rules, a); ok {
		return reason, true
	}
	if !globalUnicast.Contains(a) && !nat64WKP.Contains(a) {
		return ReasonReserved, true
	}
	return "", false
}

func match(rules []rangeRule, a netip.Addr) (Reason, bool) {
	for _, rule := range rules {
		if rule.prefix.Contains(a) {
			return rule.reason, true
		}
	}
	return "", false
}

// classify judges a by itself and by every IPv4 address it embeds. The
// loopback and unspecified IPv6 addresses are judged before their
// IPv4-compatible reading (::1 would otherwise read as 0.0.0.1). When an
// embedded address decides, it is returned as inner.
func classify(a netip.Addr) (reason Reason, inner netip.Addr, denied bool) {
	if a == netip.IPv6Loopback() || a == netip.IPv6Unspecified() {
		reason, denied = classifyOne(a)
		return reason, netip.Addr{}, denied
	}
	for _, e := range embeddedV4(a) {
		if reason, denied := classifyOne(e); denied {
			return reason, e, true
		}
	}
	reason, denied = classifyOne(a)
	return reason, netip.Addr{}, denied
}
