package egresstable

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// buyerAddr is what a stock client does with a host before it sends a
// packet: an IPv6 literal is used as is (an IPv4-mapped one goes out as
// IPv4, as from a dual-stack socket), an IPv4 address in any spelling
// inet_aton(3) reads is converted, and anything else is a name asked of
// the tunnel's DNS (an A question, as `curl -4` asks).
func (e *env) buyerAddr(ctx context.Context, host string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")); err == nil {
		return a.Unmap(), nil
	}
	if a, ok := parseInetAton(host); ok {
		return a, nil
	}
	return e.lookupA(ctx, host)
}

// parseInetAton reads the IPv4 forms inet_aton(3) accepts: one to four
// dot-separated parts, each decimal, octal (leading 0) or hex (0x), the
// last filling the remaining bytes.
func parseInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, p := range parts {
		n, ok := atonPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 0xff {
				return netip.Addr{}, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		// The last part fills the bytes the others left.
		if n >= 1<<(8*(5-len(parts))) {
			return netip.Addr{}, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// atonPart parses one part in C's integer syntax.
func atonPart(p string) (uint64, bool) {
	base, digits := 10, p
	switch {
	case len(p) > 2 && (p[:2] == "0x" || p[:2] == "0X"):
		base, digits = 16, p[2:]
	case len(p) > 1 && p[0] == '0':
		base, digits = 8, p[1:]
	}
	if digits == "" || strings.ContainsAny(digits, "+-_") {
		return 0, false
	}
	n, err := strconv.ParseUint(digits, base, 32)
	return n, err == nil
}

// lookupA asks the exit's DNS for the name's IPv4 addresses through the
// tunnel and returns the first. REFUSED and NXDOMAIN are the exit's
// refusals; no answer at all is not.
func (e *env) lookupA(ctx context.Context, host string) (netip.Addr, error) {
	name, err := dnsmessage.NewName(strings.TrimSuffix(host, ".") + ".")
	if err != nil {
		return netip.Addr{}, fmt.Errorf("not a DNS name %q: %w", host, err)
	}
	msg := dnsmessage.Message{Header: dnsmessage.Header{ID: 0x7e57, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: name, Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET}}}
	q, err := msg.Pack()
	if err != nil {
		return netip.Addr{}, err
	}
	ans, err := e.exchangeDNS(ctx, q)
	if err != nil {
		return netip.Addr{}, &wgError{stage: "dns", err: err}
	}
	switch ans.RCode {
	case dnsmessage.RCodeRefused, dnsmessage.RCodeNameError:
		return netip.Addr{}, &wgError{stage: "dns", err: fmt.Errorf("%s: %v", host, ans.RCode), refused: true}
	case dnsmessage.RCodeSuccess:
		for _, rr := range ans.Answers {
			if a, ok := rr.Body.(*dnsmessage.AResource); ok {
				return netip.AddrFrom4(a.A), nil
			}
		}
	}
	return netip.Addr{}, &wgError{stage: "dns", err: fmt.Errorf("%s: %v with %d answers", host, ans.RCode, len(ans.Answers))}
}

// exchangeDNS sends a query to the exit's own address over UDP and
// returns the parsed answer to it.
func (e *env) exchangeDNS(ctx context.Context, q []byte) (*dnsmessage.Message, error) {
	conn, err := e.wgBuyer.Net.DialUDP(netip.AddrPortFrom(e.wg.Exit.Resolver().IPv4, 53))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	deadline := time.Now().Add(5 * time.Second)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	if _, err := conn.Write(q); err != nil {
		return nil, err
	}
	buf := make([]byte, 1500)
	n, err := conn.Read(buf)
	if err != nil {
		return nil, err
	}
	var m dnsmessage.Message
	if err := m.Unpack(buf[:n]); err != nil {
		return nil, fmt.Errorf("unpack DNS answer: %w", err)
	}
	if m.ID != 0x7e57 || !m.Response {
		return nil, fmt.Errorf("DNS answer %+v does not answer the query", m.Header)
	}
	return &m, nil
}
