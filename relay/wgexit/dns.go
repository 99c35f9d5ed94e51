package wgexit

import (
	"context"
	"errors"
	"net"
	"net/netip"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/sparelink/sparelink/relay/egress"
)

const (
	// dnsTTL is the TTL of every answer, in seconds: short, since the
	// policy may change and names move.
	dnsTTL = 60
	// dnsJudgePort is the port answers are judged for. DNS has no port,
	// and every policy that permits anything permits HTTPS.
	dnsJudgePort = 443
	// maxDNSAnswers keeps every answer within 512 bytes.
	maxDNSAnswers = 8
)

// resolveFunc is egress.Policy.Resolve's shape.
type resolveFunc func(ctx context.Context, host string, port uint16) ([]netip.AddrPort, error)

// answerDNS returns the response to one DNS query, or nil when the bytes
// are not a query worth answering (no header, or a response). A and AAAA
// questions are resolved through resolve and answered only with the
// permitted addresses; a denied name is REFUSED, a missing one NXDOMAIN;
// other types and opcodes are NOTIMP.
func answerDNS(ctx context.Context, resolve resolveFunc, query []byte) []byte {
	var p dnsmessage.Parser
	h, err := p.Start(query)
	if err != nil || h.Response {
		return nil
	}
	resp := dnsmessage.Header{ID: h.ID, Response: true, OpCode: h.OpCode,
		RecursionDesired: h.RecursionDesired, RecursionAvailable: true}
	if h.OpCode != 0 {
		resp.RCode = dnsmessage.RCodeNotImplemented
		return buildDNS(resp, nil, nil)
	}
	qs, err := p.AllQuestions()
	if err != nil || len(qs) != 1 {
		resp.RCode = dnsmessage.RCodeFormatError
		return buildDNS(resp, nil, nil)
	}
	q := qs[0]
	var addrs []netip.Addr
	switch {
	case q.Class != dnsmessage.ClassINET:
		resp.RCode = dnsmessage.RCodeNotImplemented
	case q.Type == dnsmessage.TypeA || q.Type == dnsmessage.TypeAAAA:
		resp.RCode, addrs = lookupDNS(ctx, resolve, q)
	default:
		resp.RCode = dnsmessage.RCodeNotImplemented
	}
	return buildDNS(resp, &q, addrs)
}

// lookupDNS resolves the question's name and keeps the permitted
// addresses of the asked family.
func lookupDNS(ctx context.Context, resolve resolveFunc, q dnsmessage.Question) (dnsmessage.RCode, []netip.Addr) {
	targets, err := resolve(ctx, q.Name.String(), dnsJudgePort)
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, egress.ErrDenied):
		return dnsmessage.RCodeRefused, nil
	case errors.Is(err, egress.ErrInvalidHost):
		return dnsmessage.RCodeNameError, nil
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return dnsmessage.RCodeNameError, nil
	case err != nil:
		return dnsmessage.RCodeServerFailure, nil
	}
	var out []netip.Addr
	for _, t := range targets {
		a := t.Addr().Unmap()
		if a.Is4() == (q.Type == dnsmessage.TypeA) && len(out) < maxDNSAnswers {
			out = append(out, a)
		}
	}
	return dnsmessage.RCodeSuccess, out
}

// buildDNS encodes a response with the question, if any, and one record
// per address. Encoding a header and a parsed question cannot fail; if it
// ever did, no answer is better than a broken one.
func buildDNS(h dnsmessage.Header, q *dnsmessage.Question, addrs []netip.Addr) []byte {
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), h)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil
	}
	if q == nil {
		msg, _ := b.Finish()
		return msg
	}
	if err := b.Question(*q); err != nil {
		return nil
	}
	if err := b.StartAnswers(); err != nil {
		return nil
	}
	rh := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: dnsTTL}
	for _, a := range addrs {
		var err error
		if a.Is4() {
			err = b.AResource(rh, dnsmessage.AResource{A: a.As4()})
		} else {
			err = b.AAAAResource(rh, dnsmessage.AAAAResource{AAAA: a.As16()})
		}
		if err != nil {
			return nil
		}
	}
	msg, err := b.Finish()
	if err != nil {
		return nil
	}
	return msg
}
