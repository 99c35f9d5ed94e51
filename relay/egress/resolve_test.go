package egress_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// resolveCase is one host: either the addresses Resolve must return, the
// reason it must refuse, or the sentinel its error must wrap.
type resolveCase struct {
	name    string
	host    string
	want    []string
	reason  egress.Reason
	wantErr error
}

func runResolveCases(t *testing.T, p *egress.Policy, cases []resolveCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := p.Resolve(context.Background(), tc.host, 443)
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Resolve(%q) error = %v, want one wrapping %v", tc.host, err, tc.wantErr)
				}
			case tc.reason != "":
				if r := reasonOf(t, err); r != tc.reason {
					t.Fatalf("Resolve(%q) reason = %q (err %v), want %q", tc.host, r, err, tc.reason)
				}
			case err != nil:
				t.Fatalf("Resolve(%q) error = %v, want %v", tc.host, err, tc.want)
			}
			if want := addrPorts(tc.want, 443); !slices.Equal(got, want) {
				t.Errorf("Resolve(%q) = %v, want %v", tc.host, got, want)
			}
		})
	}
}

func addrPorts(addrs []string, port uint16) []netip.AddrPort {
	if len(addrs) == 0 {
		return nil
	}
	out := make([]netip.AddrPort, len(addrs))
	for i, s := range addrs {
		out[i] = netip.AddrPortFrom(netip.MustParseAddr(s), port)
	}
	return out
}

func TestResolveNumericSpellings(t *testing.T) {
	res := egresstest.NewResolver()
	p := newPolicy(t, egress.Config{Resolver: res})
	runResolveCases(t, p, []resolveCase{
		{name: "two parts", host: "127.1", reason: egress.ReasonLoopback},
		{name: "hex first part", host: "0x7f.0.0.1", reason: egress.ReasonLoopback},
		{name: "upper-case hex", host: "0X7F.1", reason: egress.ReasonLoopback},
		{name: "octal whole", host: "017700000001", reason: egress.ReasonLoopback},
		{name: "decimal whole", host: "2130706433", reason: egress.ReasonLoopback},
		{name: "octal parts", host: "0177.0.0.01", reason: egress.ReasonLoopback},
		{name: "hex whole", host: "0x7f000001", reason: egress.ReasonLoopback},
		{name: "trailing dot", host: "127.0.0.1.", reason: egress.ReasonLoopback},
		{name: "single zero", host: "0", reason: egress.ReasonUnspecified},
		{name: "bare 0x", host: "0x", reason: egress.ReasonUnspecified},
		{name: "private short", host: "10.1", reason: egress.ReasonPrivate},
		{name: "octal private", host: "012.0.0.1", reason: egress.ReasonPrivate},
		{name: "metadata hex", host: "0xa9.0xfe.0xa9.0xfe", reason: egress.ReasonMetadata},
		{name: "metadata decimal", host: "2852039166", reason: egress.ReasonMetadata},
		{name: "metadata three parts", host: "169.254.43518", reason: egress.ReasonMetadata},
		{name: "public dotted", host: "1.1.1.1", want: []string{"1.1.1.1"}},
		{name: "public decimal", host: "16843009", want: []string{"1.1.1.1"}},
		{name: "public trailing dot", host: "1.1.1.1.", want: []string{"1.1.1.1"}},
		{name: "too many parts", host: "1.2.3.4.5", wantErr: egress.ErrInvalidHost},
		{name: "bad octal digit", host: "08.0.0.1", wantErr: egress.ErrInvalidHost},
		{name: "octet overflow", host: "256.0.0.1", wantErr: egress.ErrInvalidHost},
		{name: "whole overflow", host: "4294967296", wantErr: egress.ErrInvalidHost},
		{name: "last part overflow", host: "1.2.65536", wantErr: egress.ErrInvalidHost},
		{name: "long digits", host: "99999999999999999999999999", wantErr: egress.ErrInvalidHost},
		{name: "bad hex digit", host: "0x7g.0.0.1", wantErr: egress.ErrInvalidHost},
		{name: "empty part", host: "1..1", wantErr: egress.ErrInvalidHost},
		{name: "numeric tld", host: "example.123", wantErr: egress.ErrInvalidHost},
	})
	if got := res.Lookups(); len(got) != 0 {
		t.Errorf("numeric hosts reached the resolver: %q", got)
	}
}

func TestResolveIPv6Spellings(t *testing.T) {
	res := egresstest.NewResolver()
	p := newPolicy(t, egress.Config{Resolver: res})
	runResolveCases(t, p, []resolveCase{
		{name: "bracketed mapped hex", host: "[::ffff:7f00:1]", reason: egress.ReasonLoopback},
		{name: "bare mapped dotted", host: "::ffff:127.0.0.1", reason: egress.ReasonLoopback},
		{name: "bracketed loopback", host: "[::1]", reason: egress.ReasonLoopback},
		{name: "long loopback", host: "[0:0:0:0:0:0:0:1]", reason: egress.ReasonLoopback},
		{name: "zone", host: "fe80::1%eth0", reason: egress.ReasonLinkLocal},
		{name: "escaped zone", host: "[fe80::1%25eth0]", reason: egress.ReasonLinkLocal},
		{name: "nat64 metadata", host: "[64:ff9b::169.254.169.254]", reason: egress.ReasonMetadata},
		{name: "public bracketed", host: "[2606:4700::1111]", want: []string{"2606:4700::1111"}},
		{name: "public upper case", host: "2606:4700::1111", want: []string{"2606:4700::1111"}},
		{name: "mapped public", host: "[::ffff:1.1.1.1]", want: []string{"1.1.1.1"}},
		{name: "zone dropped on public", host: "2606:4700::1111%eth0", want: []string{"2606:4700::1111"}},
		{name: "unclosed bracket", host: "[::1", wantErr: egress.ErrInvalidHost},
		{name: "ipv4 in brackets", host: "[127.0.0.1]", wantErr: egress.ErrInvalidHost},
		{name: "host with port", host: "1.2.3.4:80", wantErr: egress.ErrInvalidHost},
		{name: "leading zeros in mapped", host: "::ffff:0177.0.0.1", wantErr: egress.ErrInvalidHost},
	})
	if got := res.Lookups(); len(got) != 0 {
		t.Errorf("literal hosts reached the resolver: %q", got)
	}
}

func TestResolveNames(t *testing.T) {
	res := egresstest.NewResolver().
		Answer("one.example", "1.1.1.1").
		Answer("v6.example", "2606:4700::1111").
		Answer("evil.example", "127.0.0.1").
		Answer("mixed.example", "10.0.0.1", "1.1.1.1", "127.0.0.1", "::ffff:1.1.1.1", "2606:4700::1111").
		Answer("allbad.example", "169.254.169.254", "10.0.0.1").
		Answer("empty.example").
		Fail("timeout.example", &net.DNSError{Err: "timeout", Name: "timeout.example", IsTimeout: true})
	p := newPolicy(t, egress.Config{Resolver: res})
	runResolveCases(t, p, []resolveCase{
		{name: "public v4", host: "one.example", want: []string{"1.1.1.1"}},
		{name: "upper case and dot", host: "ONE.Example.", want: []string{"1.1.1.1"}},
		{name: "public v6", host: "v6.example", want: []string{"2606:4700::1111"}},
		{name: "points at loopback", host: "evil.example", reason: egress.ReasonLoopback},
		{name: "mixed answer keeps public", host: "mixed.example", want: []string{"1.1.1.1", "2606:4700::1111"}},
		{name: "first refusal reported", host: "allbad.example", reason: egress.ReasonMetadata},
		{name: "empty answer", host: "empty.example", wantErr: egress.ErrDNS},
		{name: "not found", host: "missing.example", wantErr: egress.ErrDNS},
		{name: "resolver timeout", host: "timeout.example", wantErr: egress.ErrDNS},
	})
	for _, name := range res.Lookups() {
		if name == "" || name[len(name)-1] != '.' {
			t.Errorf("resolver asked for %q, want a rooted name", name)
		}
	}
}

func TestResolveLocalNames(t *testing.T) {
	res := egresstest.NewResolver()
	p := newPolicy(t, egress.Config{Resolver: res})
	runResolveCases(t, p, []resolveCase{
		{name: "localhost", host: "localhost", reason: egress.ReasonLocalName},
		{name: "upper localhost", host: "LOCALHOST", reason: egress.ReasonLocalName},
		{name: "localhost dot", host: "localhost.", reason: egress.ReasonLocalName},
		{name: "sub localhost", host: "foo.localhost", reason: egress.ReasonLocalName},
		{name: "mdns", host: "printer.local", reason: egress.ReasonLocalName},
		{name: "gcp metadata name", host: "metadata.google.internal", reason: egress.ReasonLocalName},
		{name: "home.arpa", host: "router.home.arpa", reason: egress.ReasonLocalName},
		{name: "lan", host: "nas.lan", reason: egress.ReasonLocalName},
		{name: "localdomain", host: "localhost.localdomain", reason: egress.ReasonLocalName},
		{name: "single label", host: "intranet", reason: egress.ReasonLocalName},
		{name: "double trailing dot", host: "localhost..", wantErr: egress.ErrInvalidHost},
		{name: "fullwidth localhost", host: "ｌｏｃａｌｈｏｓｔ", wantErr: egress.ErrInvalidHost},
		{name: "circled localhost", host: "ⓛⓞⓒⓐⓛⓗⓞⓢⓣ.example", wantErr: egress.ErrInvalidHost},
		{name: "percent escape", host: "%6c%6f%63%61%6c%68%6f%73%74", wantErr: egress.ErrInvalidHost},
		{name: "nul byte", host: "example.com\x00.local", wantErr: egress.ErrInvalidHost},
		{name: "space", host: "127.0.0.1 example.com", wantErr: egress.ErrInvalidHost},
		{name: "empty", host: "", wantErr: egress.ErrInvalidHost},
		{name: "leading dot", host: ".example.com", wantErr: egress.ErrInvalidHost},
	})
	if got := res.Lookups(); len(got) != 0 {
		t.Errorf("local or malformed names reached the resolver: %q", got)
	}
}

// TestResolveRebinding scripts a name whose answer turns from public to
// loopback: each Resolve judges the answer it got, so the later one is
// refused however recently the name was public.
func TestResolveRebinding(t *testing.T) {
	res := egresstest.NewResolver().
		Answer("rebind.example", "1.1.1.1").
		Answer("rebind.example", "127.0.0.1").
		Answer("rebind.example", "1.1.1.1", "127.0.0.1")
	p := newPolicy(t, egress.Config{Resolver: res})
	steps := []struct {
		name   string
		want   []string
		reason egress.Reason
	}{
		{name: "public first", want: []string{"1.1.1.1"}},
		{name: "loopback later", reason: egress.ReasonLoopback},
		{name: "mixed after", want: []string{"1.1.1.1"}},
	}
	for _, step := range steps {
		got, err := p.Resolve(context.Background(), "rebind.example", 443)
		if r := reasonOf(t, err); r != step.reason {
			t.Fatalf("%s: reason = %q, want %q", step.name, r, step.reason)
		}
		if want := addrPorts(step.want, 443); !slices.Equal(got, want) {
			t.Fatalf("%s: Resolve = %v, want %v", step.name, got, want)
		}
	}
	if got := len(res.Lookups()); got != len(steps) {
		t.Errorf("lookups = %d, want %d (one per Resolve, nothing cached)", got, len(steps))
	}
}

func TestDeniedErrorMessage(t *testing.T) {
	p := newPolicy(t, egress.Config{})
	cases := []struct {
		name, host string
		want       string
	}{
		{"literal", "0x7f.1", `egress: destination "0x7f.1" (127.0.0.1:443) denied (loopback): it is a loopback address of the seller's machine`},
		{"embedded", "[64:ff9b::a00:1]", `egress: destination "[64:ff9b::a00:1]" ([64:ff9b::a00:1]:443) denied (private): it embeds 10.0.0.1, an address in a private network range`},
		{"local name", "nas.lan", `egress: destination "nas.lan" denied (local-name): the name only has meaning on the seller's local network`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := p.Resolve(context.Background(), tc.host, 443)
			if err == nil || err.Error() != tc.want {
				t.Errorf("error = %v, want %s", err, tc.want)
			}
		})
	}
}
