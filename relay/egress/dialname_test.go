package egress_test

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/sparelink/sparelink/relay/egress"
	"github.com/sparelink/sparelink/relay/egress/egresstest"
)

// TestDialNameRuleReachesHook opens a closed port for one name only. The
// dialer's Control hook judges the socket address again; it must apply
// the same name rule, or the permitted name would fail at the socket and
// the literal address would not.
func TestDialNameRuleReachesHook(t *testing.T) {
	srv := startEcho(t)
	port := srv.addr.Port()
	res := egresstest.NewResolver().
		Answer("mail.allowed.example", "127.0.0.1").
		Answer("other.allowed.example", "127.0.0.1")
	var sockets int
	p := newPolicy(t, egress.Config{
		Resolver:    res,
		DeniedPorts: []uint16{port},
		Allow:       rules(t, "127.0.0.1", fmt.Sprintf("mail.allowed.example:%d", port)),
		Dialer: &net.Dialer{Timeout: 5 * time.Second, Control: func(string, string, syscall.RawConn) error {
			sockets++
			return nil
		}},
	})
	cases := []struct {
		name, host string
		want       egress.Reason
	}{
		{"name rule opens the port", "mail.allowed.example", ""},
		{"literal stays closed", "127.0.0.1", egress.ReasonPort},
		{"other name stays closed", "other.allowed.example", egress.ReasonPort},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.accepted.Load()
			c, err := p.DialContext(context.Background(), "tcp", fmt.Sprintf("%s:%d", tc.host, port))
			if got := reasonOf(t, err); got != tc.want {
				t.Fatalf("dial %s reason = %q (err %v), want %q", tc.host, got, err, tc.want)
			}
			want := int64(0)
			if c != nil {
				want = 1
				roundTrip(t, c, "mail")
				_ = c.Close()
			}
			if got := srv.accepted.Load() - before; got != want {
				t.Errorf("listener accepted %d connections, want %d", got, want)
			}
		})
	}
	if sockets != 1 {
		t.Errorf("owner Control hook ran %d times, want 1 (refusals must come before any socket)", sockets)
	}
	address := srv.addr.String()
	if err := p.CheckRemote("mail.allowed.example", address); err != nil {
		t.Errorf("hook check for the allowed name = %v, want nil", err)
	}
	if got := reasonOf(t, p.CheckRemote("", address)); got != egress.ReasonPort {
		t.Errorf("hook check for the literal reason = %q, want %q", got, egress.ReasonPort)
	}
}

func TestDeniedNameMessage(t *testing.T) {
	res := egresstest.NewResolver().Answer("blocked.example", "1.1.1.1")
	p := newPolicy(t, egress.Config{Resolver: res, Deny: rules(t, "blocked.example")})
	_, err := p.Resolve(context.Background(), "Blocked.Example", 443)
	want := `egress: destination "Blocked.Example" denied (owner-deny): the node owner has denied this name`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
	if got := res.Lookups(); len(got) != 0 {
		t.Errorf("denied name reached the resolver: %q", got)
	}
}
