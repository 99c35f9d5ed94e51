package wgexit_test

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
	"github.com/sparelink/sparelink/relay/wgexit"
	"github.com/sparelink/sparelink/relay/wgexit/wgtest"
)

// Public addresses the scripted resolver answers with; nothing is dialled.
const (
	public4 = "93.184.215.14"
	public6 = "2606:2800:21f:cb07:6820:80da:af6b:8b2c"
)

// dnsEnv starts an exit whose policy resolves through a scripted
// resolver and denies one name by rule.
func dnsEnv(t *testing.T) (*wgtest.Env, *wgtest.Buyer) {
	t.Helper()
	res := egresstest.NewResolver().
		Answer("www.example.com", public4, public6).
		Answer("private.example.com", "10.1.2.3").
		Answer("mixed.example.com", "10.1.2.3", public4).
		Answer("denied.example.com", public4)
	deny, err := egress.ParseRule("denied.example.com")
	if err != nil {
		t.Fatalf("rule: %v", err)
	}
	policy := wgtest.Policy(t, egress.Config{Resolver: res, Deny: []egress.Rule{deny}})
	env := wgtest.Start(t, wgexit.Config{Egress: policy})
	return env, env.Buyer(t, wgexit.Peer{LeaseID: "ls_dns"})
}

// query asks one question over UDP or TCP and returns the parsed answer.
func query(t *testing.T, c net.Conn, tcp bool, name string, typ dnsmessage.Type) (dnsmessage.RCode, []netip.Addr) {
	t.Helper()
	msg := dnsmessage.Message{Header: dnsmessage.Header{ID: 0x5e5e, RecursionDesired: true},
		Questions: []dnsmessage.Question{{Name: dnsmessage.MustNewName(name), Type: typ, Class: dnsmessage.ClassINET}}}
	b, err := msg.Pack()
	if err != nil {
		t.Fatalf("pack: %v", err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if tcp {
		b = append(binary.BigEndian.AppendUint16(nil, uint16(len(b))), b...)
	}
	if _, err := c.Write(b); err != nil {
		t.Fatalf("send query: %v", err)
	}
	resp := readDNS(t, c, tcp)
	var got dnsmessage.Message
	if err := got.Unpack(resp); err != nil {
		t.Fatalf("unpack answer: %v", err)
	}
	if got.ID != msg.ID || !got.Response || len(got.Questions) != 1 {
		t.Fatalf("got header %+v with %d questions, want a response to ID %#x echoing the question", got.Header, len(got.Questions), msg.ID)
	}
	return got.RCode, answerAddrs(got.Answers)
}

func readDNS(t *testing.T, c net.Conn, tcp bool) []byte {
	t.Helper()
	if !tcp {
		buf := make([]byte, 1500)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("read answer: %v", err)
		}
		return buf[:n]
	}
	var l [2]byte
	if _, err := io.ReadFull(c, l[:]); err != nil {
		t.Fatalf("read answer length: %v", err)
	}
	buf := make([]byte, binary.BigEndian.Uint16(l[:]))
	if _, err := io.ReadFull(c, buf); err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return buf
}

func answerAddrs(rrs []dnsmessage.Resource) []netip.Addr {
	var out []netip.Addr
	for _, rr := range rrs {
		switch b := rr.Body.(type) {
		case *dnsmessage.AResource:
			out = append(out, netip.AddrFrom4(b.A))
		case *dnsmessage.AAAAResource:
			out = append(out, netip.AddrFrom16(b.AAAA))
		}
	}
	return out
}

func TestTunnelDNS(t *testing.T) {
	env, buyer := dnsEnv(t)
	own := env.Exit.Resolver()
	tests := []struct {
		name      string
		qname     string
		qtype     dnsmessage.Type
		wantRCode dnsmessage.RCode
		want      []string
	}{
		{name: "allowed A", qname: "www.example.com.", qtype: dnsmessage.TypeA, want: []string{public4}},
		{name: "allowed AAAA", qname: "www.example.com.", qtype: dnsmessage.TypeAAAA, want: []string{public6}},
		{name: "denied answers are dropped", qname: "mixed.example.com.", qtype: dnsmessage.TypeA, want: []string{public4}},
		{name: "only denied answers", qname: "private.example.com.", qtype: dnsmessage.TypeA, wantRCode: dnsmessage.RCodeRefused},
		{name: "no AAAA for a v4-only name", qname: "mixed.example.com.", qtype: dnsmessage.TypeAAAA},
		{name: "localhost", qname: "localhost.", qtype: dnsmessage.TypeA, wantRCode: dnsmessage.RCodeRefused},
		{name: "owner-denied name", qname: "denied.example.com.", qtype: dnsmessage.TypeA, wantRCode: dnsmessage.RCodeRefused},
		{name: "unknown name", qname: "nowhere.example.com.", qtype: dnsmessage.TypeA, wantRCode: dnsmessage.RCodeNameError},
		{name: "other type", qname: "www.example.com.", qtype: dnsmessage.TypeMX, wantRCode: dnsmessage.RCodeNotImplemented},
	}
	servers := []struct {
		name string
		tcp  bool
		addr netip.Addr
	}{{"udp4", false, own.IPv4}, {"tcp4", true, own.IPv4}, {"udp6", false, own.IPv6}, {"tcp6", true, own.IPv6}}
	for _, srv := range servers {
		t.Run(srv.name, func(t *testing.T) {
			c := dialDNS(t, buyer, srv.tcp, netip.AddrPortFrom(srv.addr, 53))
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					rcode, got := query(t, c, srv.tcp, tt.qname, tt.qtype)
					want := make([]netip.Addr, len(tt.want))
					for i, s := range tt.want {
						want[i] = netip.MustParseAddr(s)
					}
					if rcode != tt.wantRCode || !slices.Equal(got, want) {
						t.Errorf("%s %s: got %v %v, want %v %v", tt.qname, tt.qtype, rcode, got, tt.wantRCode, want)
					}
				})
			}
		})
	}
}

func dialDNS(t *testing.T, b *wgtest.Buyer, tcp bool, ap netip.AddrPort) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	network := "udp"
	if tcp {
		network = "tcp"
	}
	c, err := b.Net.DialContext(ctx, network, ap.String())
	if err != nil {
		t.Fatalf("dial dns %s %s: %v", network, ap, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTunnelDNSWithNetstackResolver(t *testing.T) {
	env, _ := dnsEnv(t)
	key := wgtest.NewKey(t)
	a, err := env.Exit.AddPeer(wgexit.Peer{LeaseID: "ls_dns", PublicKey: wgtest.PublicKey(t, key)})
	if err != nil {
		t.Fatalf("add peer: %v", err)
	}
	tnet := wgtest.ConnectNetstack(t, env.Exit.Config(a, key.String(), env.Endpoint))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	got, err := tnet.LookupContextHost(ctx, "www.example.com")
	if err != nil {
		t.Fatalf("LookupHost through the tunnel: %v", err)
	}
	slices.Sort(got)
	want := []string{public6, public4}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := tnet.LookupContextHost(ctx, "private.example.com"); err == nil {
		t.Errorf("LookupHost of a name with only private addresses: got nil error, want a failure")
	}
}
