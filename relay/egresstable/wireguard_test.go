package egresstable

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/sparelink/sparelink/metering/meter"
	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// wgLease is the lease of the table's WireGuard buyer.
const wgLease = "ls_egresstable_wg"

// startWireGuard runs a WireGuard exit with e.policy on loopback and
// connects a buyer to it with the configuration the exit renders.
func (e *env) startWireGuard(t *testing.T) {
	t.Helper()
	e.wg = wgtest.Start(t, wgexit.Config{Egress: e.policy})
	e.wgBuyer = e.wg.Buyer(t, wgexit.Peer{LeaseID: wgLease})
}

// wgError is a WireGuard path's failure. A buyer's packets name
// addresses, not hosts, so the exit refuses in one of three ways: its DNS
// answers REFUSED or NXDOMAIN for a name, it resets a TCP connection, or
// it answers a UDP datagram with ICMP port unreachable. Anything else
// (a timeout, SERVFAIL, an answer) is not a refusal.
type wgError struct {
	stage   string // "dns", "dial" or "exchange"
	err     error
	refused bool
}

func (e *wgError) Error() string { return fmt.Sprintf("wireguard %s: %v", e.stage, e.err) }
func (e *wgError) Unwrap() error { return e.err }

func wgRefusal(err error) error {
	var we *wgError
	if !errors.As(err, &we) || !we.refused {
		return fmt.Errorf("got %v, want the exit's refusal (DNS REFUSED or NXDOMAIN, a RST, or ICMP unreachable) with nothing metered", err)
	}
	return nil
}

func getViaWireGuard(ctx context.Context, e *env, host string, port uint16) (string, error) {
	return e.viaWireGuard(ctx, "tcp", host, port, func(ap netip.AddrPort) (string, error) {
		conn, err := e.wgBuyer.Net.DialContext(ctx, "tcp", ap.String())
		if err != nil {
			return "", &wgError{stage: "dial", err: err, refused: isRefused(err)}
		}
		return getOverConn(conn, nil, host, port)
	})
}

func getViaWireGuardUDP(ctx context.Context, e *env, host string, port uint16) (string, error) {
	return e.viaWireGuard(ctx, "udp", host, port, func(ap netip.AddrPort) (string, error) {
		conn, err := e.wgBuyer.Net.DialUDP(ap)
		if err != nil {
			return "", &wgError{stage: "dial", err: err}
		}
		return pollUDP(conn)
	})
}

// viaWireGuard finds the address a stock client would send host's
// packets to and runs exchange with it (or sends a raw packet to a
// silent address), then demotes a refusal after which the lease's meter
// moved: a refused destination must cost nothing.
func (e *env) viaWireGuard(ctx context.Context, network, host string, port uint16, exchange func(netip.AddrPort) (string, error)) (string, error) {
	before := e.wg.Meter.Lease(wgLease).Totals()
	a, err := e.buyerAddr(ctx, host)
	if err != nil {
		return "", err
	}
	if silent(a) {
		return "", e.sendRaw(network, netip.AddrPortFrom(a, port))
	}
	body, err := exchange(netip.AddrPortFrom(a, port))
	var we *wgError
	if errors.As(err, &we) && we.refused {
		if after := waitMeter(e.wg.Meter, before); after != before {
			we.refused = false
			we.err = fmt.Errorf("%w; but the lease's meter moved from %+v to %+v", we.err, before, after)
		}
	}
	return body, err
}

// waitMeter gives bytes in flight a moment to be counted, then returns
// the lease's totals.
func waitMeter(m *meter.Meter, before meter.Totals) meter.Totals {
	deadline := time.Now().Add(20 * time.Millisecond)
	for m.Lease(wgLease).Totals() == before && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	return m.Lease(wgLease).Totals()
}

// pollUDP sends one datagram and waits for the answer or the ICMP error.
// gVisor records the error on the socket without waking a blocked read,
// so the read is retried with short deadlines.
func pollUDP(conn net.Conn) (string, error) {
	defer conn.Close()
	if _, err := conn.Write([]byte("hello origin")); err != nil {
		return "", &wgError{stage: "exchange", err: err, refused: isRefused(err)}
	}
	buf := make([]byte, 512)
	deadline := time.Now().Add(udpWait)
	for {
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		n, err := conn.Read(buf)
		var ne net.Error
		switch {
		case err == nil:
			return string(buf[:n]), nil
		case !errors.As(err, &ne) || !ne.Timeout() || time.Now().After(deadline):
			return "", &wgError{stage: "exchange", err: err, refused: isRefused(err)}
		}
	}
}

// isRefused reports whether err is gVisor's ECONNREFUSED: a RST for TCP,
// ICMP port unreachable for UDP.
func isRefused(err error) bool {
	return err != nil && strings.Contains(err.Error(), "refused")
}
