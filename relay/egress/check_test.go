package egress_test

import (
	"net/netip"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
)

// checkCase is one destination and the reason it must be refused for, or
// "" when it must be permitted.
type checkCase struct {
	name string
	addr string
	want egress.Reason
}

func runCheckCases(t *testing.T, p *egress.Policy, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := reasonOf(t, p.CheckAddr(netip.MustParseAddrPort(tc.addr)))
			if got != tc.want {
				t.Errorf("CheckAddr(%s) reason = %q, want %q", tc.addr, got, tc.want)
			}
		})
	}
}

func TestCheckAddrIPv4(t *testing.T) {
	runCheckCases(t, newPolicy(t, egress.Config{}), []checkCase{
		{"public https", "1.1.1.1:443", ""},
		{"public dns", "8.8.8.8:53", ""},
		{"loopback", "127.0.0.1:80", egress.ReasonLoopback},
		{"loopback top", "127.255.255.254:80", egress.ReasonLoopback},
		{"unspecified", "0.0.0.0:80", egress.ReasonUnspecified},
		{"this network", "0.1.2.3:80", egress.ReasonUnspecified},
		{"private 10", "10.0.0.1:80", egress.ReasonPrivate},
		{"private 172.16", "172.16.0.1:80", egress.ReasonPrivate},
		{"private 172.31", "172.31.255.255:80", egress.ReasonPrivate},
		{"below 172.16", "172.15.255.255:80", ""},
		{"above 172.31", "172.32.0.0:80", ""},
		{"private 192.168", "192.168.0.1:80", egress.ReasonPrivate},
		{"cgnat low", "100.64.0.1:80", egress.ReasonCGNAT},
		{"cgnat high", "100.127.255.255:80", egress.ReasonCGNAT},
		{"above cgnat", "100.128.0.0:80", ""},
		{"link-local", "169.254.1.1:80", egress.ReasonLinkLocal},
		{"metadata", "169.254.169.254:80", egress.ReasonMetadata},
		{"ecs credentials", "169.254.170.2:80", egress.ReasonMetadata},
		{"alibaba metadata", "100.100.100.200:80", egress.ReasonMetadata},
		{"azure wire server", "168.63.129.16:80", egress.ReasonMetadata},
		{"multicast", "224.0.0.1:80", egress.ReasonMulticast},
		{"ssdp multicast", "239.255.255.250:1900", egress.ReasonMulticast},
		{"broadcast", "255.255.255.255:80", egress.ReasonReserved},
		{"class e", "240.0.0.1:80", egress.ReasonReserved},
		{"ietf assignments", "192.0.0.8:80", egress.ReasonReserved},
		{"test-net-1", "192.0.2.1:80", egress.ReasonReserved},
		{"6to4 relay anycast", "192.88.99.1:80", egress.ReasonReserved},
		{"benchmarking low", "198.18.0.1:80", egress.ReasonReserved},
		{"benchmarking high", "198.19.255.255:80", egress.ReasonReserved},
		{"above benchmarking", "198.20.0.0:80", ""},
		{"test-net-2", "198.51.100.7:80", egress.ReasonReserved},
		{"test-net-3", "203.0.113.9:80", egress.ReasonReserved},
	})
}

func TestCheckAddrIPv6(t *testing.T) {
	runCheckCases(t, newPolicy(t, egress.Config{}), []checkCase{
		{"public", "[2606:4700::1111]:443", ""},
		{"loopback", "[::1]:80", egress.ReasonLoopback},
		{"unspecified", "[::]:80", egress.ReasonUnspecified},
		{"ula fc", "[fc00::1]:80", egress.ReasonPrivate},
		{"ula fd", "[fd12:3456::1]:80", egress.ReasonPrivate},
		{"site-local", "[fec0::1]:80", egress.ReasonPrivate},
		{"link-local", "[fe80::1]:80", egress.ReasonLinkLocal},
		{"link-local with zone", "[fe80::1%eth0]:80", egress.ReasonLinkLocal},
		{"global with zone", "[2606:4700::1111%eth0]:443", ""},
		{"multicast", "[ff02::1]:80", egress.ReasonMulticast},
		{"documentation", "[2001:db8::1]:80", egress.ReasonReserved},
		{"documentation 3fff", "[3fff::1]:80", egress.ReasonReserved},
		{"discard", "[100::1]:80", egress.ReasonReserved},
		{"benchmarking", "[2001:2::1]:80", egress.ReasonReserved},
		{"orchid", "[2001:20::1]:80", egress.ReasonReserved},
		{"srv6", "[5f00::1]:80", egress.ReasonReserved},
		{"unassigned", "[4000::1]:80", egress.ReasonReserved},
		{"aws metadata", "[fd00:ec2::254]:80", egress.ReasonMetadata},
		{"gcp metadata", "[fd20:ce::254]:80", egress.ReasonMetadata},
	})
}

func TestCheckAddrEmbeddedIPv4(t *testing.T) {
	runCheckCases(t, newPolicy(t, egress.Config{}), []checkCase{
		{"mapped loopback", "[::ffff:127.0.0.1]:80", egress.ReasonLoopback},
		{"mapped hex loopback", "[::ffff:7f00:1]:80", egress.ReasonLoopback},
		{"mapped metadata", "[::ffff:169.254.169.254]:80", egress.ReasonMetadata},
		{"mapped public", "[::ffff:1.1.1.1]:443", ""},
		{"compatible loopback", "[::127.0.0.1]:80", egress.ReasonLoopback},
		{"compatible private", "[::10.0.0.1]:80", egress.ReasonPrivate},
		{"compatible public is deprecated", "[::1.1.1.1]:443", egress.ReasonReserved},
		{"translated loopback", "[::ffff:0:127.0.0.1]:80", egress.ReasonLoopback},
		{"nat64 loopback", "[64:ff9b::127.0.0.1]:80", egress.ReasonLoopback},
		{"nat64 private", "[64:ff9b::10.1.2.3]:80", egress.ReasonPrivate},
		{"nat64 metadata", "[64:ff9b::a9fe:a9fe]:80", egress.ReasonMetadata},
		{"nat64 cgnat", "[64:ff9b::100.64.0.1]:80", egress.ReasonCGNAT},
		{"nat64 public", "[64:ff9b::1.1.1.1]:443", ""},
		{"nat64 local /96 loopback", "[64:ff9b:1::7f00:1]:80", egress.ReasonLoopback},
		// RFC 6052 /48 layout: bits 48-63 and 72-87 hold 127.0.0.1.
		{"nat64 local /48 loopback", "[64:ff9b:1:7f00:0:100::]:80", egress.ReasonLoopback},
		// /64 layout: bits 72-103 hold 10.0.0.1.
		{"nat64 local /64 private", "[64:ff9b:1:0:a:0:100:0]:80", egress.ReasonPrivate},
		{"nat64 local public is not global", "[64:ff9b:1::101:101]:443", egress.ReasonReserved},
		{"6to4 loopback", "[2002:7f00:1::1]:80", egress.ReasonLoopback},
		{"6to4 private", "[2002:c0a8:101::1]:80", egress.ReasonPrivate},
		{"6to4 public", "[2002:101:101::1]:443", ""},
		// Teredo: server in bits 32-63, client inverted in the low 32.
		{"teredo client loopback", "[2001:0:4136:e378:8000:63bf:80ff:fffe]:80", egress.ReasonLoopback},
		{"teredo client documentation", "[2001:0:4136:e378:8000:63bf:3fff:fdd2]:80", egress.ReasonReserved},
		{"teredo server private", "[2001:0:a00:1:8000:63bf:fefe:fefe]:80", egress.ReasonPrivate},
		{"teredo public", "[2001:0:4136:e378:8000:63bf:fefe:fefe]:443", ""},
	})
}

func TestCheckAddrHostAndPorts(t *testing.T) {
	runCheckCases(t, newPolicy(t, egress.Config{}), []checkCase{
		{"own public v4", "81.2.69.160:443", egress.ReasonHostLocal},
		{"own public v4 mapped", "[::ffff:81.2.69.160]:443", egress.ReasonHostLocal},
		{"own public v4 via 6to4", "[2002:5102:45a0::1]:443", egress.ReasonHostLocal},
		{"own public v4 via nat64", "[64:ff9b::81.2.69.160]:443", egress.ReasonHostLocal},
		{"own public v6", "[2a01:4f8:c17:1::20]:443", egress.ReasonHostLocal},
		{"neighbour in own v6 /64", "[2a01:4f8:c17:1::21]:443", egress.ReasonHostLocal},
		{"own v6 /64 via other spelling", "[2a01:4f8:c17:1:0:0:0:ffff]:443", egress.ReasonHostLocal},
		{"next v6 /64", "[2a01:4f8:c17:2::20]:443", ""},
		{"neighbour of own v4", "81.2.69.161:443", ""},
		{"own private v4 is private first", "192.168.1.20:80", egress.ReasonPrivate},
		{"smtp", "1.1.1.1:25", egress.ReasonPort},
		{"smtps", "1.1.1.1:465", egress.ReasonPort},
		{"submission", "[2606:4700::1111]:587", egress.ReasonPort},
		{"port zero", "1.1.1.1:0", egress.ReasonPort},
		{"imap stays open", "1.1.1.1:993", ""},
	})
}

func TestCheckAddrInvalid(t *testing.T) {
	p := newPolicy(t, egress.Config{})
	if got := reasonOf(t, p.CheckAddr(netip.AddrPort{})); got != egress.ReasonUnspecified {
		t.Errorf("CheckAddr(zero) reason = %q, want %q", got, egress.ReasonUnspecified)
	}
}
