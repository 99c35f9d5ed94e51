package relayd

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
)

// ErrAdvertiseNeeded means the exit listens on every interface but the
// relay was not told which address buyers should dial.
var ErrAdvertiseNeeded = errors.New("relay: listening on all interfaces needs an advertised address (--advertise host:port)")

// checkAddresses checks the exit's listening address and the address
// buyers are told to dial. A wildcard listening address says nothing
// buyers could dial, so it needs an advertised one.
func checkAddresses(listen, advertise string) error {
	if listen != "" {
		host, _, err := net.SplitHostPort(listen)
		if err != nil {
			return fmt.Errorf("relay: listen address %q: %w", listen, err)
		}
		if advertise == "" && isWildcard(host) {
			return ErrAdvertiseNeeded
		}
	}
	if advertise == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(advertise)
	if err != nil {
		return fmt.Errorf("relay: advertised address %q: %w", advertise, err)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("relay: advertised address %q: port must be 1-65535", advertise)
	}
	if host == "" || isWildcard(host) {
		return fmt.Errorf("relay: advertised address %q: buyers need a host name or an address they can reach", advertise)
	}
	return nil
}

// isWildcard reports whether host is empty or an unspecified address.
func isWildcard(host string) bool {
	if host == "" {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsUnspecified()
}
