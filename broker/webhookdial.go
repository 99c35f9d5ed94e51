package broker

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// nonPublic lists the address ranges, beyond loopback, private, link-local
// and multicast, that a webhook may not reach: shared address space
// (CGNAT), "this network", IETF protocol assignments, benchmarking,
// reserved, and NAT64 (which reaches IPv4 inside).
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
}

// publicAddr reports whether a is an address on the public internet, the
// only kind a webhook may reach unless Config.WebhookInsecure is set:
// webhooks must not be a way into the broker's own networks.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsGlobalUnicast() || a.IsPrivate() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// refuseNonPublic is a dialer Control that refuses non-public addresses.
// It runs on the resolved address of every connection, so a name that
// resolves (or later re-resolves) to an inside address is refused too.
func refuseNonPublic(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !publicAddr(ap.Addr()) {
		return fmt.Errorf("webhook receiver %s is not a public address", address)
	}
	return nil
}

// webhookClient posts deliveries: bounded in time, never following
// redirects, never through a proxy from the environment, and (unless
// insecure) only to public addresses.
func webhookClient(insecure bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout}
	if !insecure {
		d.Control = refuseNonPublic
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext: d.DialContext, TLSHandshakeTimeout: timeout,
			MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
