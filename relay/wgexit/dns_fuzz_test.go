package wgexit

import (
	"context"
	"testing"

	"go.uber.org/zap"
	"golang.org/x/net/dns/dnsmessage"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// FuzzDNSQuery feeds arbitrary bytes to the tunnel's DNS answerer, with a
// real policy over a scripted resolver. Whatever comes in, the answer is
// nothing or a well-formed response to the same ID with at most one
// question.
func FuzzDNSQuery(f *testing.F) {
	res := egresstest.NewResolver().
		Answer("www.example.com", "93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c").
		Answer("private.example.com", "10.1.2.3")
	policy, err := egress.New(egress.Config{Resolver: res}, zap.NewNop())
	if err != nil {
		f.Fatalf("policy: %v", err)
	}
	for _, q := range []struct {
		name string
		typ  dnsmessage.Type
	}{{"www.example.com.", dnsmessage.TypeA}, {"private.example.com.", dnsmessage.TypeAAAA}, {"localhost.", dnsmessage.TypeA}} {
		f.Add(packQuery(f, q.name, q.typ))
	}
	f.Fuzz(func(t *testing.T, query []byte) {
		resp := answerDNS(context.Background(), policy.Resolve, query)
		if resp == nil {
			return
		}
		var p dnsmessage.Parser
		h, err := p.Start(resp)
		if err != nil {
			t.Fatalf("answer does not parse: %v", err)
		}
		qs, err := p.AllQuestions()
		if err != nil || len(qs) > 1 || !h.Response {
			t.Fatalf("got header %+v, %d questions (%v); want a response with at most one question", h, len(qs), err)
		}
		if len(query) >= 2 && h.ID != uint16(query[0])<<8|uint16(query[1]) {
			t.Fatalf("got ID %#x, want the query's", h.ID)
		}
		if len(resp) > 512 {
			t.Fatalf("got a %d-byte answer, want at most 512", len(resp))
		}
	})
}

func packQuery(tb testing.TB, name string, typ dnsmessage.Type) []byte {
	tb.Helper()
	m := dnsmessage.Message{Header: dnsmessage.Header{ID: 7, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}}}
	b, err := m.Pack()
	if err != nil {
		tb.Fatalf("pack: %v", err)
	}
	return b
}
