package egress_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

func TestProxyStatusError(t *testing.T) {
	srv := startEcho(t)
	closed := closedPort(t)
	res := egresstest.NewResolver().
		Fail("slow.example", &net.DNSError{Err: "i/o timeout", Name: "slow.example", IsTimeout: true})
	p := newPolicy(t, egress.Config{
		Resolver: res,
		Allow:    []egress.Rule{mustRule(t, srv.addr.String()), mustRule(t, closed.String())},
	})
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	t.Cleanup(cancel)
	dial := func(ctx context.Context, network, address string) error {
		c, err := p.DialContext(ctx, network, address)
		if c != nil {
			_ = c.Close()
		}
		return err
	}
	bg := context.Background()
	unreachable := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ENETUNREACH)}
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"denied", dial(bg, "tcp", fmt.Sprintf("127.0.0.2:%d", srv.addr.Port())), "destination_ip_prohibited"},
		{"local name", dial(bg, "tcp", "localhost:80"), "destination_ip_prohibited"},
		{"malformed host", dial(bg, "tcp", "1.2.3.4.5:80"), "destination_not_found"},
		{"not found", dial(bg, "tcp", "missing.example:443"), "dns_error"},
		{"dns timeout", dial(bg, "tcp", "slow.example:443"), "dns_timeout"},
		{"refused", dial(bg, "tcp", closed.String()), "connection_refused"},
		{"timeout", dial(expired, "tcp", srv.addr.String()), "connection_timeout"},
		{"unreachable", fmt.Errorf("egress: dial: %w", unreachable), "destination_ip_unroutable"},
		{"unknown network", dial(bg, "sctp", "1.1.1.1:443"), "proxy_internal_error"},
		{"other", errors.New("disk full"), "proxy_internal_error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want != "" && tc.err == nil {
				t.Fatalf("case produced no error")
			}
			if got := egress.ProxyStatusError(tc.err); got != tc.want {
				t.Errorf("ProxyStatusError(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}
