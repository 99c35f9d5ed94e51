package egresstable

import "github.com/sparelink/sparelink/relay/egress"

// destination is one row of the table: something a buyer may ask an exit
// for and must not get.
type destination struct {
	name string
	// host is spelt as the buyer sends it; IPv6 literals in brackets.
	host string
	// lands is the address a connection would reach if the policy let it
	// through (for IPv6 forms carrying IPv4, the IPv6 literal a socket
	// would connect to); a canary is bound there when it can be. "" when
	// no socket could ever land on this machine (multicast, broadcast,
	// link-local without a zone).
	lands string
	// port is a fixed port; 0 means the canary's free port, or 443.
	port uint16
	// answers are the DNS answers for a name.
	answers []string
	// reason is the policy's refusal; "" accepts any built-in reason
	// (rows for the machine's own addresses, whose class depends on it).
	reason egress.Reason
	// closed means the table's policy closes this row's port with a
	// "*:port" Deny rule.
	closed bool
}

const (
	loopback   = egress.ReasonLoopback
	private    = egress.ReasonPrivate
	linkLocal  = egress.ReasonLinkLocal
	cgnat      = egress.ReasonCGNAT
	multicast  = egress.ReasonMulticast
	unspec     = egress.ReasonUnspecified
	reserved   = egress.ReasonReserved
	metadata   = egress.ReasonMetadata
	portClosed = egress.ReasonPort
	ownerDeny  = egress.ReasonOwnerDeny
	localName  = egress.ReasonLocalName
)

// loopbackRows are destinations on the seller's own machine: every
// spelling of loopback and of "this host", and the names that mean it.
var loopbackRows = []destination{
	{name: "loopback", host: "127.0.0.1", lands: "127.0.0.1", reason: loopback},
	{name: "loopback .2", host: "127.0.0.2", lands: "127.0.0.2", reason: loopback},
	{name: "loopback inside /8", host: "127.1.2.3", lands: "127.1.2.3", reason: loopback},
	{name: "loopback top", host: "127.255.255.254", lands: "127.255.255.254", reason: loopback},
	{name: "decimal", host: "2130706433", lands: "127.0.0.1", reason: loopback},
	{name: "hex two parts", host: "0x7f.1", lands: "127.0.0.1", reason: loopback},
	{name: "two parts", host: "127.1", lands: "127.0.0.1", reason: loopback},
	{name: "three parts", host: "127.0.1", lands: "127.0.0.1", reason: loopback},
	{name: "octal whole", host: "017700000001", lands: "127.0.0.1", reason: loopback},
	{name: "hex whole", host: "0x7f000001", lands: "127.0.0.1", reason: loopback},
	{name: "octal parts", host: "0177.0.0.01", lands: "127.0.0.1", reason: loopback},
	{name: "upper-case hex", host: "0X7F.0.0.1", lands: "127.0.0.1", reason: loopback},
	{name: "trailing dot", host: "127.0.0.1.", lands: "127.0.0.1", reason: loopback},
	{name: "v6 loopback", host: "[::1]", lands: "::1", reason: loopback},
	{name: "v6 loopback long", host: "[0:0:0:0:0:0:0:1]", lands: "::1", reason: loopback},
	{name: "unspecified", host: "0.0.0.0", lands: "127.0.0.1", reason: unspec},
	{name: "unspecified short", host: "0", lands: "127.0.0.1", reason: unspec},
	{name: "v6 unspecified", host: "[::]", lands: "::1", reason: unspec},
	{name: "mapped", host: "[::ffff:127.0.0.1]", lands: "127.0.0.1", reason: loopback},
	{name: "mapped hex", host: "[::ffff:7f00:1]", lands: "127.0.0.1", reason: loopback},
	{name: "compatible", host: "[::127.0.0.1]", lands: "::7f00:1", reason: loopback},
	{name: "siit", host: "[::ffff:0:7f00:1]", lands: "::ffff:0:7f00:1", reason: loopback},
	{name: "nat64", host: "[64:ff9b::7f00:1]", lands: "64:ff9b::7f00:1", reason: loopback},
	{name: "nat64 dotted", host: "[64:ff9b::127.0.0.1]", lands: "64:ff9b::7f00:1", reason: loopback},
	{name: "nat64 local-use", host: "[64:ff9b:1::7f00:1]", lands: "64:ff9b:1::7f00:1", reason: loopback},
	{name: "6to4", host: "[2002:7f00:1::1]", lands: "2002:7f00:1::1", reason: loopback},
	{name: "teredo client", host: "[2001:0:4136:e378:8000:63bf:80ff:fffe]", lands: "2001:0:4136:e378:8000:63bf:80ff:fffe", reason: loopback},
	{name: "localhost", host: "localhost", lands: "127.0.0.1", answers: []string{"127.0.0.1"}, reason: localName},
	{name: "localhost shouted", host: "LOCALHOST.", lands: "127.0.0.1", answers: []string{"127.0.0.1"}, reason: localName},
	{name: "under localhost", host: "app.localhost", lands: "127.0.0.1", answers: []string{"127.0.0.1"}, reason: localName},
	{name: "single label", host: "intranet", lands: "127.0.0.1", answers: []string{"127.0.0.1"}, reason: localName},
	{name: "mdns", host: "nas.local", lands: "127.0.0.1", answers: []string{"127.0.0.1"}, reason: localName},
	{name: "home.arpa", host: "router.home.arpa", lands: "127.0.0.1", answers: []string{"127.0.0.1"}, reason: localName},
	{name: "name to loopback", host: "rebind.example", lands: "127.0.0.1", answers: []string{"127.0.0.1"}, reason: loopback},
	{name: "answer all refused", host: "mixed.example", lands: "127.0.0.1", answers: []string{"127.0.0.1", "10.0.0.1", "::1"}, reason: loopback},
	{name: "name to mapped", host: "mapped.example", lands: "127.0.0.1", answers: []string{"::ffff:127.0.0.1"}, reason: loopback},
	{name: "name to nat64", host: "nat64.example", lands: "64:ff9b::7f00:1", answers: []string{"64:ff9b::7f00:1"}, reason: loopback},
	{name: "allowed name to loopback", host: "api.allowed.example", lands: "127.0.0.1", answers: []string{"127.0.0.1"}, reason: loopback},
	{name: "denied name", host: "blocked.example", lands: "127.0.0.9", answers: []string{"127.0.0.9"}, reason: ownerDeny},
	{name: "smtp", host: "127.0.0.9", lands: "127.0.0.9", port: 25, reason: portClosed},
	{name: "smtps", host: "127.0.0.9", lands: "127.0.0.9", port: 465, reason: portClosed},
	{name: "submission", host: "127.0.0.9", lands: "127.0.0.9", port: 587, reason: portClosed},
	{name: "smtp by name", host: "mail.example", lands: "127.0.0.9", port: 25, answers: []string{"127.0.0.9"}, reason: portClosed},
	{name: "port rule", host: "127.0.0.9", lands: "127.0.0.9", closed: true, reason: portClosed},
}

// networkRows are destinations on the seller's networks, the provider's
// and the cloud's: canaries for them can only be bound as root, in the
// test's network namespace.
var networkRows = []destination{
	{name: "private 10", host: "10.0.0.1", lands: "10.0.0.1", reason: private},
	{name: "private 10 top", host: "10.255.255.254", lands: "10.255.255.254", reason: private},
	{name: "private octal", host: "012.0.0.1", lands: "10.0.0.1", reason: private},
	{name: "private decimal", host: "167772161", lands: "10.0.0.1", reason: private},
	{name: "private 172.16", host: "172.16.0.1", lands: "172.16.0.1", reason: private},
	{name: "private 172.31", host: "172.31.255.254", lands: "172.31.255.254", reason: private},
	{name: "private 192.168", host: "192.168.1.1", lands: "192.168.1.1", reason: private},
	{name: "private hex", host: "0xc0a80101", lands: "192.168.1.1", reason: private},
	{name: "cgnat low", host: "100.64.0.1", lands: "100.64.0.1", reason: cgnat},
	{name: "cgnat high", host: "100.127.255.254", lands: "100.127.255.254", reason: cgnat},
	{name: "link-local", host: "169.254.1.1", lands: "169.254.1.1", reason: linkLocal},
	{name: "metadata", host: "169.254.169.254", lands: "169.254.169.254", reason: metadata},
	{name: "metadata decimal", host: "2852039166", lands: "169.254.169.254", reason: metadata},
	{name: "metadata hex", host: "0xa9.0xfe.0xa9.0xfe", lands: "169.254.169.254", reason: metadata},
	{name: "metadata three parts", host: "169.254.43518", lands: "169.254.169.254", reason: metadata},
	{name: "ecs credentials", host: "169.254.170.2", lands: "169.254.170.2", reason: metadata},
	{name: "alibaba metadata", host: "100.100.100.200", lands: "100.100.100.200", reason: metadata},
	{name: "azure wire server", host: "168.63.129.16", lands: "168.63.129.16", reason: metadata},
	{name: "oracle metadata", host: "192.0.0.192", lands: "192.0.0.192", reason: metadata},
	{name: "mapped private", host: "[::ffff:10.0.0.1]", lands: "10.0.0.1", reason: private},
	{name: "mapped metadata", host: "[::ffff:a9fe:a9fe]", lands: "169.254.169.254", reason: metadata},
	{name: "nat64 private", host: "[64:ff9b::10.0.0.1]", lands: "64:ff9b::a00:1", reason: private},
	{name: "nat64 metadata", host: "[64:ff9b::a9fe:a9fe]", lands: "64:ff9b::a9fe:a9fe", reason: metadata},
	{name: "6to4 private", host: "[2002:c0a8:101::1]", lands: "2002:c0a8:101::1", reason: private},
	{name: "teredo private server", host: "[2001:0:a00:1:8000:63bf:fefe:fefe]", lands: "2001:0:a00:1:8000:63bf:fefe:fefe", reason: private},
	{name: "v6 ula", host: "[fd12:3456::1]", lands: "fd12:3456::1", reason: private},
	{name: "v6 site-local", host: "[fec0::1]", lands: "fec0::1", reason: private},
	{name: "aws v6 metadata", host: "[fd00:ec2::254]", lands: "fd00:ec2::254", reason: metadata},
	{name: "v6 link-local", host: "[fe80::1]", reason: linkLocal},
	{name: "documentation", host: "192.0.2.1", lands: "192.0.2.1", reason: reserved},
	{name: "benchmarking", host: "198.18.0.1", lands: "198.18.0.1", reason: reserved},
	{name: "class e", host: "240.0.0.1", lands: "240.0.0.1", reason: reserved},
	{name: "v6 documentation", host: "[2001:db8::1]", lands: "2001:db8::1", reason: reserved},
	{name: "multicast", host: "224.0.0.1", reason: multicast},
	{name: "broadcast", host: "255.255.255.255", reason: reserved},
	{name: "v6 multicast", host: "[ff02::1]", reason: multicast},
	{name: "name to private", host: "lan.example", lands: "192.168.1.1", answers: []string{"192.168.1.1"}, reason: private},
	{name: "name to cgnat", host: "cgnat.example", lands: "100.64.0.1", answers: []string{"100.64.0.1"}, reason: cgnat},
	{name: "name to metadata", host: "meta.example", lands: "169.254.169.254", answers: []string{"169.254.169.254"}, reason: metadata},
	{name: "allowed name to metadata", host: "meta.allowed.example", lands: "169.254.169.254", answers: []string{"169.254.169.254"}, reason: metadata},
	{name: "gcp metadata name", host: "metadata.google.internal", lands: "169.254.169.254", answers: []string{"169.254.169.254"}, reason: localName},
}
