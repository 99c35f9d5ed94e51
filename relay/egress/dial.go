package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"syscall"
)

// maxDialAttempts bounds how many permitted addresses one dial tries, so a
// long DNS answer cannot hold a connection open for minutes.
const maxDialAttempts = 8

// ipNetworks maps the dial networks DialContext accepts to the lookup
// family.
var ipNetworks = map[string]string{
	"tcp": "ip", "tcp4": "ip4", "tcp6": "ip6",
	"udp": "ip", "udp4": "ip4", "udp6": "ip6",
}

// DialContext connects to address ("host:port") on network (tcp, tcp4,
// tcp6, udp, udp4, udp6) if the policy permits it. The host is resolved
// through Resolve and the checked IP is dialled, never the name, so a DNS
// answer that changes afterwards cannot redirect the connection; the
// dialer's Control hook checks the socket's remote address once more,
// under the same name rules.
// Permitted addresses are tried in order, at most eight of them. Refusals
// are *DeniedError; failures of every attempt are joined.
func (p *Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	family, ok := ipNetworks[network]
	if !ok {
		return nil, fmt.Errorf("egress: dial: %w", net.UnknownNetworkError(network))
	}
	host, port, err := splitHostPort(address)
	if err != nil {
		return nil, err
	}
	targets, name, err := p.resolve(ctx, family, host, port)
	if err != nil {
		return nil, err
	}
	if name != "" {
		ctx = context.WithValue(ctx, nameKey{}, name)
	}
	var errs []error
	for _, ap := range targets[:min(len(targets), maxDialAttempts)] {
		conn, err := p.dialer.DialContext(ctx, network, ap.String())
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("egress: dial %q: %w", clip(host), errors.Join(errs...))
}

func splitHostPort(address string) (string, uint16, error) {
	host, portStr, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrInvalidHost, err)
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("%w: port %q is not a number in 0-65535", ErrInvalidHost, clip(portStr))
	}
	return host, uint16(port), nil
}

// nameKey carries the name a dial was asked for to the Control hook, so
// that the hook judges the socket address with the same name rules as
// Resolve did.
type nameKey struct{}

// controlHook returns a dialer hook that refuses a socket whose remote
// address the policy denies, then runs the caller's own hook, if any.
func (p *Policy) controlHook(
	ctl func(network, address string, c syscall.RawConn) error,
	ctlCtx func(ctx context.Context, network, address string, c syscall.RawConn) error,
) func(ctx context.Context, network, address string, c syscall.RawConn) error {
	return func(ctx context.Context, network, address string, c syscall.RawConn) error {
		name, _ := ctx.Value(nameKey{}).(string)
		if err := p.checkRemote(name, address); err != nil {
			return err
		}
		switch {
		case ctlCtx != nil:
			return ctlCtx(ctx, network, address, c)
		case ctl != nil:
			return ctl(network, address, c)
		}
		return nil
	}
}

// checkRemote judges the address string the dialer is about to connect
// to, for a dial asked for name ("" for a literal); one it cannot read is
// refused.
func (p *Policy) checkRemote(name, address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress: dial hook cannot read remote %q: %w", clip(address), ErrDenied)
	}
	if e := p.check(name, ap); e != nil {
		e.Host = name
		return e
	}
	return nil
}
